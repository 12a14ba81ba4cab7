"""The reader's forms: sign up, sign in, the account's details and newsletters."""

from __future__ import annotations

from django import forms

from newsletters.addresses import validate_email
from newsletters.models import Newsletter

from .models import Member

EMAIL_MAX = Member._meta.get_field("email").max_length
NAME_MAX = Member._meta.get_field("name").max_length


class EmailField(forms.CharField):
    """An address as `newsletters.addresses` defines it (the rule the API and the import
    use too), not Django's `EmailField`, which also takes `a@localhost` or
    `a@[127.0.0.1]`: no address is valid in one door and invalid in another."""

    widget = forms.EmailInput
    default_validators = [validate_email]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "E-mail address")
        kwargs.setdefault("max_length", EMAIL_MAX)
        super().__init__(**kwargs)
        self.widget.attrs.update(autocomplete="email", spellcheck="false")


class SignUpForm(forms.Form):
    email = EmailField()
    name = forms.CharField(
        label="Your name (optional)",
        max_length=NAME_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class SignInForm(forms.Form):
    email = EmailField()


class AccountForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=NAME_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    newsletters = forms.ModelMultipleChoiceField(
        label="Newsletters you receive",
        queryset=Newsletter.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
