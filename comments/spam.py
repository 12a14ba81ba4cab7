"""Spam and abuse: the checks every new comment passes before it is stored.

The write path (`comments.services.post_comment`) builds a `Draft` and asks
`run_checks(draft)`; the answer is one of

    None                        accept (the site's approval rule still applies)
    "refuse: <message>"         do not store it; show the member the message
    "spam"                      store it with status spam (moderators see it, readers don't)

`SPAM_CHECKS` is the list run in order, first answer wins: refusals that cost nothing
first, the blocklist, then (only when configured) the Akismet-compatible service, which
costs a request. Each check is a callable `(draft) -> str | None`; an app may append one.

The comment form (`comments.forms.CommentForm`, rendered by `comments/_form.html`)
carries two fields of ours: a honeypot a person never fills (`HONEYPOT_FIELD`), and the
time the form was rendered (`RENDERED_FIELD`), signed here and only here
(`sign_render_time`, `render_time`: `django.core.signing`), so a bot cannot post faster
than `CommentPolicy.min_seconds_to_post` nor forge the time.

Rate limits are counters in the cache (a sliding window per limit, one `INCR` per
attempt, as `core.throttling` does for the API): `COMMENTS_RATE_PER_MEMBER` and
`COMMENTS_RATE_PER_ADDRESS`. Every attempt that reaches them counts, refused ones too.
With the cache down they are off (fail open), like the API's throttles; the other checks
stand. docs/comments.md "Spam and abuse".
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils import timezone

from core import outgoing
from core.origin import site_origin, site_url

from .models import BlockedTerm, Comment, CommentBan
from .policy import policy

logger = logging.getLogger(__name__)

SPAM = "spam"
REFUSE = "refuse: "


@dataclass
class Draft:
    """A comment about to be stored: what the checks look at.

    `rendered_at` is `render_time()` of the form's field (None when the form's time is
    missing or forged); `honeypot` what came in the honeypot field ("" from a person).
    """

    post: object  # blog.models.Post
    member: object | None  # members.models.Member
    body: str
    parent: Comment | None
    client_ip: str | None
    rendered_at: float | None
    honeypot: str
    user_agent: str = ""
    referrer: str = ""
    # Posted from our comment form (its timing and honeypot are checked); the API's
    # writes have neither.
    from_form: bool = True
    # Filled by the checks as they go: why a comment was refused or judged spam (logs).
    reasons: list[str] = field(default_factory=list)


def refuse(message: str) -> str:
    return REFUSE + message


def is_refusal(verdict: str | None) -> bool:
    return bool(verdict) and verdict.startswith(REFUSE)


def refusal_message(verdict: str) -> str:
    """The member's message in a "refuse: ..." verdict."""
    return verdict.removeprefix(REFUSE)


# --- The form's fields -----------------------------------------------------------------

HONEYPOT_FIELD = "website"
RENDERED_FIELD = "rendered"
_RENDER_SALT = "comments.form-rendered"
FORM_MAX_AGE = timedelta(days=1)  # a form older than this is stale: reload the page


def sign_render_time(now: float | None = None) -> str:
    """The value of the form's hidden `rendered` field: now, signed."""
    return signing.dumps(round(time.time() if now is None else now, 3), salt=_RENDER_SALT)


def render_time(value: str | None) -> float | None:
    """The time a form was rendered, from its signed field; None if missing or forged."""
    if not value:
        return None
    try:
        moment = signing.loads(value, salt=_RENDER_SALT)
    except signing.BadSignature:
        return None
    return float(moment) if isinstance(moment, int | float) else None


# --- The checks ------------------------------------------------------------------------


def check_ban(draft: Draft) -> str | None:
    if draft.member is not None and CommentBan.objects.filter(member=draft.member).exists():
        return refuse("You can no longer comment on this site.")
    return None


def check_honeypot(draft: Draft) -> str | None:
    if draft.from_form and draft.honeypot.strip():
        draft.reasons.append("honeypot filled")
        return refuse("The field “Leave this empty” must stay empty. Clear it and post again.")
    return None


def check_timing(draft: Draft) -> str | None:
    """Refuse a post without a genuine render time, too soon after it, or too late."""
    if not draft.from_form:
        return None  # the API: no form was shown
    if draft.rendered_at is None:
        draft.reasons.append("no signed render time")
        return refuse("This form is out of date. Reload the page and post again.")
    elapsed = time.time() - draft.rendered_at
    if elapsed > FORM_MAX_AGE.total_seconds():
        return refuse("This form is out of date. Reload the page and post again.")
    if elapsed < policy().min_seconds_to_post:
        draft.reasons.append(f"posted {elapsed:.1f} s after the form was shown")
        return refuse("That was quick: wait a few seconds, then post again.")
    return None


_UNITS = {"s": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_UNITS |= {"d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "5/minute" → (5, 60): at most 5 in any 60 seconds. "N/<seconds>" works too."""
    count, _, period = rate.strip().partition("/")
    period = period.strip().lower().removesuffix("s") or "second"
    seconds = int(period) if period.isdigit() else _UNITS[period]
    return int(count), seconds


def hit(key: str, limit: int, seconds: int) -> float | None:
    """Count one attempt under `key`; None within the limit, else seconds to wait.

    A sliding window: this window's count plus the previous one's, weighted by how much
    of it still lies in the last `seconds` (as `core.throttling`).
    """
    now = time.time()
    window, into = divmod(now, seconds)
    counter = f"comments-rate:{key}:{seconds}:{int(window)}"
    cache.add(counter, 0, timeout=2 * seconds + 1)
    try:
        count = cache.incr(counter)
    except ValueError:  # expired between add and incr: a fresh window
        cache.set(counter, 1, timeout=2 * seconds + 1)
        count = 1
    if count is None:  # the cache is down (IGNORE_EXCEPTIONS): fail open
        return None
    previous = cache.get(f"comments-rate:{key}:{seconds}:{int(window) - 1}", 0) or 0
    if count + previous * (1 - into / seconds) <= limit:
        return None
    return seconds - into


def _wait_words(seconds: float) -> str:
    if seconds <= 90:
        return "a minute"
    if seconds <= 5400:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


def _over(key: str, rates: list[str]) -> float | None:
    waits = []
    for rate in rates:
        limit, seconds = parse_rate(rate)
        wait = hit(key, limit, seconds)
        if wait is not None:
            waits.append(wait)
    return max(waits) if waits else None


def check_rate_limits(draft: Draft) -> str | None:
    """Per member and per client address (`COMMENTS_RATE_PER_*`)."""
    waits = []
    if draft.member is not None:
        waits.append(_over(f"member:{draft.member.pk}", settings.COMMENTS_RATE_PER_MEMBER))
    if draft.client_ip:
        waits.append(_over(f"ip:{draft.client_ip}", settings.COMMENTS_RATE_PER_ADDRESS))
    waits = [wait for wait in waits if wait is not None]
    if waits:
        draft.reasons.append("rate limit")
        return refuse(
            f"You are commenting faster than this site allows. Try again in "
            f"{_wait_words(max(waits))}."
        )
    return None


_LINK = re.compile(r"(?:https?://|\bwww\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
_HOST = re.compile(r"(?<![\w.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})(?![\w-])")


def count_links(body: str) -> int:
    """Links in a Markdown body: every web address written in it (a Markdown link counts
    once, a bare address once)."""
    return len(_LINK.findall(body))


def check_links(draft: Draft) -> str | None:
    allowed = policy().max_links
    if count_links(draft.body) > allowed:
        draft.reasons.append("too many links")
        if allowed == 0:
            return refuse("Comments here may not contain links.")
        return refuse(f"A comment may contain at most {allowed} link{'s' * (allowed != 1)}.")
    return None


def _normalised(body: str) -> str:
    return " ".join(body.split()).casefold()


def check_duplicate(draft: Draft) -> str | None:
    """The same member, the same words, on the same post within a day: refused."""
    if draft.member is None:
        return None
    since = timezone.now() - timedelta(days=1)
    earlier = Comment.objects.filter(
        post=draft.post, member=draft.member, created_at__gte=since
    ).values_list("body", flat=True)
    wanted = _normalised(draft.body)
    if any(_normalised(body) == wanted for body in earlier):
        draft.reasons.append("duplicate")
        return refuse("You already posted this comment.")
    return None


def normalise_domain(term: str) -> str:
    """ "https://WWW.Spam.example/path" → "spam.example": how a blocked domain is kept."""
    term = term.strip().lower()
    term = re.sub(r"^[a-z][a-z0-9+.-]*://", "", term)
    term = term.split("/", 1)[0].split("?", 1)[0].split("@")[-1].split(":", 1)[0]
    return term.removeprefix("www.").strip(".")


def hosts_in(body: str) -> set[str]:
    """Every host name written in `body` (in links, bare, or after an @), lower case."""
    return {host.strip(".") for host in _HOST.findall(body.lower())}


def blocked_term(body: str, terms: list[tuple[str, str]]) -> str | None:
    """The first blocked (kind, term) that `body` contains, as the term; None if none.

    Words and phrases match whole words, whatever the case ("cheap pills" in "CHEAP
    pills!" but not "pill" in "pillow"); a domain matches itself and its subdomains.
    """
    hosts = None
    for kind, term in terms:
        if kind == BlockedTerm.Kind.DOMAIN:
            domain = normalise_domain(term)
            if not domain:
                continue
            hosts = hosts_in(body) if hosts is None else hosts
            if any(host == domain or host.endswith("." + domain) for host in hosts):
                return term
        else:
            words = term.split()
            if not words:
                continue
            pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)"
            if re.search(pattern, body, re.IGNORECASE):
                return term
    return None


def check_blocklist(draft: Draft) -> str | None:
    terms = list(BlockedTerm.objects.values_list("kind", "term"))
    found = blocked_term(draft.body, terms)
    if found is not None:
        draft.reasons.append(f"blocked term {found!r}")
        return SPAM
    return None


def akismet_fields(draft: Draft) -> dict[str, str]:
    """What the Akismet-compatible service is sent (docs/comments.md lists it)."""
    member = draft.member
    post = draft.post
    return {
        "api_key": settings.COMMENTS_AKISMET_KEY,
        "blog": site_origin(),
        "user_ip": draft.client_ip or "",
        "user_agent": draft.user_agent,
        "referrer": draft.referrer,
        "permalink": site_url(post.get_absolute_url()),
        "comment_type": "reply" if draft.parent is not None else "comment",
        "comment_author": getattr(member, "name", "") or "",
        "comment_author_email": getattr(member, "email", "") or "",
        "comment_content": draft.body,
        "comment_date_gmt": timezone.now().astimezone(UTC).isoformat(),
        "comment_post_modified_gmt": (
            post.updated_at.astimezone(UTC).isoformat() if post.updated_at else ""
        ),
        "blog_lang": settings.LANGUAGE_CODE,
        "blog_charset": "UTF-8",
    }


def check_akismet(draft: Draft) -> str | None:
    """Ask the configured Akismet-compatible service (`COMMENTS_AKISMET_URL`; off when
    empty). "true" is spam; "false" accepts; anything else — no answer within the
    timeout, an error, "invalid" — accepts and logs a warning: our own checks have run
    already, and a comment is better kept (and moderated) than lost to an outage.

    The URL comes from the site's environment, not from anyone on the web, so a service
    on the private network (or the tests' stand-in on loopback) is allowed; the request
    still goes through `core.outgoing` for its deadline and size cap.
    """
    base = settings.COMMENTS_AKISMET_URL.rstrip("/")
    if not base:
        return None
    reply = outgoing.request(
        "POST",
        f"{base}/1.1/comment-check",
        body=urlencode(akismet_fields(draft)).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "User-Agent": "Broadsheet/1 | Akismet-compatible check",
        },
        deadline=settings.COMMENTS_AKISMET_TIMEOUT_SECONDS,
        max_bytes=4096,
        allow_private=True,
    )
    answer = reply.text.strip()
    if reply.status == 200 and answer == "true":
        draft.reasons.append("akismet: spam")
        return SPAM
    if reply.status == 200 and answer == "false":
        return None
    logger.warning(
        "Akismet-compatible check gave no verdict (%s); comment accepted",
        reply.error or f"HTTP {reply.status}: {answer[:100]!r}",
    )
    return None


SPAM_CHECKS: list[Callable[[Draft], str | None]] = [
    check_ban,
    check_honeypot,
    check_timing,
    check_rate_limits,
    check_links,
    check_duplicate,
    check_blocklist,
    check_akismet,
]


# What an edit is checked for: its words, not its timing or how often the member posts.
CONTENT_CHECKS: list[Callable[[Draft], str | None]] = [check_links, check_blocklist]


def run_checks(draft: Draft, checks: list | None = None) -> str | None:
    """The first verdict of `checks` (`SPAM_CHECKS`: None: every check accepts)."""
    for check in SPAM_CHECKS if checks is None else checks:
        verdict = check(draft)
        if verdict is not None:
            if draft.reasons:
                logger.info(
                    "comment by member %s on post %s: %s (%s)",
                    getattr(draft.member, "pk", None),
                    getattr(draft.post, "pk", None),
                    verdict.split(":", 1)[0],
                    "; ".join(draft.reasons),
                )
            return verdict
    return None
