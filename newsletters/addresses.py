"""What an e-mail address must look like, once: the API's schema states `EMAIL_PATTERN`
(so what it calls valid is accepted and what it calls invalid is refused), and the
members' import and API check it, as the readers' sign-up and sign-in forms and the
admin's add form do (`validate_email`, a form field's validator): one rule decides.

A dot-atom local part and a host name with a top-level domain of letters: narrower than
RFC 5321 (no quoted local parts, no address literals), as wide as any real mailbox.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

EMAIL_PATTERN = (
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
EMAIL_MAX_LENGTH = 254
_EMAIL = re.compile(EMAIL_PATTERN.strip("^$"))


def normalise_email(email: str) -> str:
    """The stored form of an address: trimmed and lower-cased (one member per address)."""
    return email.strip().lower()


def is_valid_email(email: str) -> bool:
    return len(email) <= EMAIL_MAX_LENGTH and _EMAIL.fullmatch(email) is not None


def validate_email(email: str) -> None:
    """`is_valid_email` as a Django validator (forms)."""
    if not is_valid_email(email):
        raise ValidationError("Enter a valid email address.", code="invalid")
