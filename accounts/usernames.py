"""Usernames: one rule for every way an account is made (admin, invite, import, API).

A username is shown as a byline fallback, mailed in invitations and put in author URLs,
so it is held to the rule Django's own user forms apply, plus what they miss:

- Unicode is normalised with NFKC first (as `AbstractBaseUser.normalize_username`), so
  look-alike compatibility forms (full-width letters, ligatures) become one name;
- then Django's `UnicodeUsernameValidator`: letters, digits and `@ . + - _` only, which
  already refuses `/`, spaces and anything HTML-looking (`<`, `>`, `&`, quotes);
- and no invisible characters: format characters (zero-width space and joiners, bidi
  controls) and the Hangul fillers, which count as letters but print as nothing, so
  `admin` plus one of them cannot pass for `admin` in a byline.

`username_clean` checks a name someone chose; `username_free` derives a valid, unused one
from anything (an e-mail address, an imported login) for the paths that make names up.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

MAX_LENGTH = 150
# Letters (category Lo) that render as blank space.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
_validator = UnicodeUsernameValidator()
_NOT_ALLOWED = re.compile(r"[^\w.@+-]")


def _invisible(char: str) -> bool:
    return unicodedata.category(char) in ("Cf", "Cc", "Co", "Cs", "Cn") or (
        char in _INVISIBLE_LETTERS
    )


def _allowed_only(text: str) -> str:
    kept = _NOT_ALLOWED.sub("", username_normalise(text))
    return "".join(char for char in kept if not _invisible(char))[:140]


def username_normalise(value: str) -> str:
    """NFKC, as Django's user forms do, without surrounding white space."""
    return unicodedata.normalize("NFKC", value).strip()


def username_clean(value: str) -> str:
    """The normalised `value`, or `ValidationError` saying why it cannot be a username."""
    name = username_normalise(value)
    if not name:
        raise ValidationError("Enter a username.", code="required")
    if len(name) > MAX_LENGTH:
        raise ValidationError(f"At most {MAX_LENGTH} characters.", code="max_length")
    if any(_invisible(char) for char in name):
        raise ValidationError(
            "A username cannot contain invisible characters (zero-width or formatting).",
            code="invisible",
        )
    _validator(name)
    return name


def username_free(wanted: str, *, fallback: str = "writer", sep: str = "") -> str:
    """A valid username no account has (ignoring case), made from `wanted`.

    Characters a username may not hold are dropped; when nothing is left, `fallback` is
    used; a number (after `sep`) is added until the name is free.
    """
    base = _allowed_only(wanted) or _allowed_only(fallback) or "writer"
    users = get_user_model().objects
    candidate, n = base, 2
    while users.filter(username__iexact=candidate).exists():
        candidate, n = f"{base}{sep}{n}", n + 1
    return username_clean(candidate)
