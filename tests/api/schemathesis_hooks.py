"""schemathesis hooks for `tests/api/test_schemathesis.py` (loaded with SCHEMATHESIS_HOOKS).

The image upload documents its `file` part as an image (`encoding.contentType`); random
bytes are not one, so valid data for it is a real, small image in each accepted format.
Its text parts (`alt_text`, `caption`, `credit`) are `text/plain`: valid data for them
is text that is not blank.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import schemathesis
from hypothesis import strategies as st
from PIL import Image

FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}


def _image(kind: str, width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format=kind)
    return out.getvalue()


def images(kind: str) -> st.SearchStrategy[bytes]:
    side = st.integers(min_value=1, max_value=64)
    colour = st.tuples(*[st.integers(0, 255)] * 3)
    return st.builds(_image, st.just(kind), side, side, colour)


for media_type, kind in FORMATS.items():
    schemathesis.openapi.media_type(media_type, images(kind))


def alt_texts() -> st.SearchStrategy[bytes]:
    """The upload's text parts (`text/plain`, as the schema's encoding says): text that is
    not only whitespace, without NUL, UTF-8 encoded, within every part's `maxLength`.

    Declaring their media type also keeps schemathesis 4.32.5 from two false alarms on
    this multipart body: its coverage phase fills a required part it has no strategy for
    with "" and calls the case valid; its stateful phase sends `false` for `credit`,
    which a multipart part carries as the (valid) text "false", and calls it invalid.
    """
    characters = st.characters(codec="utf-8", exclude_characters="\x00")
    text = st.text(characters, min_size=1, max_size=100).filter(str.strip)
    return text.map(str.encode)


schemathesis.openapi.media_type("text/plain", alt_texts())


def _time(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _expiry_before_publication(body) -> bool:
    """A post body whose own times put the expiry at or before the publication time (a
    new post published now is published at the request's time): a 400."""
    if not isinstance(body, dict) or body.get("expires_at") is None:
        return False
    expires_at = _time(body["expires_at"])
    if "published_at" in body:
        published_at = _time(body["published_at"])
    elif body.get("status") == "published":
        published_at = datetime.now(UTC)
    else:
        return False
    return expires_at is not None and published_at is not None and expires_at <= published_at


@schemathesis.hook
def filter_case(ctx, case):
    """Rules between values that OpenAPI cannot state, which make a request a 400: such a
    case is not sent (in any phase) as if it were valid data.

    - `?cursor=` with `?ordering=` or `?page=` (cursor pages come in sync order,
      `api.pagination`);
    - a post's `expires_at` at or before the `published_at` of the same body (a 409 when
      one of the two is stored, which every phase accepts as a right answer)."""
    query = case.query or {}
    if "cursor" in query and {"ordering", "page"} & set(query):
        return False
    return not _expiry_before_publication(case.body)
