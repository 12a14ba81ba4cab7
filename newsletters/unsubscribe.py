"""One-click unsubscribe: a signed token per (member, newsletter), no login (RFC 8058).

Every newsletter e-mail carries `/newsletters/unsubscribe/<token>/` twice: in the footer
(a page with a button) and in the `List-Unsubscribe` header (mail clients POST
`List-Unsubscribe=One-Click` to it). The token is Django's signing (`Signer`) of the
member's id and the newsletter's id with a salt of its own, so it cannot be forged
without SECRET_KEY and is worth nothing for any other newsletter or member, or as any
other kind of link.

**No expiry, on purpose** — hence `Signer`, not `TimestampSigner`: no time in the token,
and one member's link to one newsletter is the same in every e-mail. An e-mail stays in
an inbox for years, and its unsubscribe link must work whenever the reader finally clicks
it (RFC 8058 expects it to keep working; Gmail's and Yahoo's bulk-sender rules and
CAN-SPAM ask for it too). What the token can do is harmless even if it leaks: it removes
one subscription, which the member can take again from their account. A new SECRET_KEY
without the old one in SECRET_KEY_FALLBACKS retires every token ever sent.
"""

from __future__ import annotations

from django.core import signing

from .models import Subscription

UNSUBSCRIBE_SALT = "newsletters.unsubscribe"


def unsubscribe_token(member_id: int, newsletter_id: int) -> str:
    """The token of the link that takes `member_id` off `newsletter_id`."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object([member_id, newsletter_id])


def read_unsubscribe_token(token: str) -> tuple[int, int]:
    """(member id, newsletter id) of a token we signed; `signing.BadSignature` for a
    forged, cut short or otherwise altered one."""
    value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(type(part) is int for part in value)
    ):
        raise signing.BadSignature("Not an unsubscribe token.")
    return value[0], value[1]


def unsubscribe(member_id: int, newsletter_id: int) -> bool:
    """Take the member off the newsletter. Idempotent: True if a subscription was removed,
    False if there was none (clicked twice, or already unsubscribed elsewhere)."""
    deleted, _ = Subscription.objects.filter(
        member_id=member_id, newsletter_id=newsletter_id
    ).delete()
    return bool(deleted)
