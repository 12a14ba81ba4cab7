"""The comment form: the body, the parent it replies to, and two quiet spam signals.

`rendered` is when the form was shown, signed by `comments.spam` (`sign_render_time`:
the one signer of it, so a bot cannot claim it waited), turned into `form_seconds` for
the spam checks; `website` is a honeypot: hidden from people and from assistive
technology, filled in by bots that fill in every field (`_form.html` renders both).
"""

from __future__ import annotations

import time

from django import forms

from . import spam
from .models import Comment

MARKDOWN_HINT = "Markdown: *emphasis*, **strong**, [links](https://…), `code`, > quotes, lists."


def rendered_stamp() -> str:
    """The signed time the form is shown at (the value of its `rendered` field)."""
    return spam.sign_render_time()


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=Comment._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=MARKDOWN_HINT,
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    rendered = forms.CharField(required=False, widget=forms.HiddenInput)  # spam.RENDERED_FIELD
    website = forms.CharField(required=False, label="Leave this empty")  # spam.HONEYPOT_FIELD

    def form_seconds(self) -> float | None:
        """Seconds since the form was shown; None when the stamp is missing or forged."""
        shown = spam.render_time(self.cleaned_data.get(spam.RENDERED_FIELD))
        return None if shown is None else max(0.0, time.time() - shown)


class EditForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=Comment._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MARKDOWN_HINT,
    )
