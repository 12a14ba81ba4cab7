"""The comment form: the body, the parent it replies to, and two quiet spam signals.

`rendered` is when the form was shown, signed (a bot cannot claim it waited), turned
into `form_seconds` for the spam checks; `website` is a honeypot: hidden from people and
from assistive technology, filled in by bots that fill in every field.
"""

from __future__ import annotations

import time

from django import forms
from django.core import signing

from .models import Comment

RENDERED_SALT = "comments.form.rendered"
MARKDOWN_HINT = "Markdown: *emphasis*, **strong**, [links](https://…), `code`, > quotes, lists."


def rendered_stamp() -> str:
    """The signed time the form is shown at."""
    return signing.dumps(time.time(), salt=RENDERED_SALT)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=Comment._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=MARKDOWN_HINT,
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    rendered = forms.CharField(required=False, widget=forms.HiddenInput)
    website = forms.CharField(required=False, label="Leave this empty")

    def form_seconds(self) -> float | None:
        """Seconds since the form was shown; None when the stamp is missing or forged."""
        try:
            shown = signing.loads(self.cleaned_data.get("rendered") or "", salt=RENDERED_SALT)
        except signing.BadSignature:
            return None
        return max(0.0, time.time() - float(shown))


class EditForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=Comment._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MARKDOWN_HINT,
    )
