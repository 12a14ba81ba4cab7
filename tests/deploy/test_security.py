"""Production HTTP behaviour: security headers and CSP, `__Host-` cookies, Host checks,
login throttling that does not reveal accounts. Django's own test client, production's
HTTPS/cookie/header settings (tests/deploy/conftest.py), requests as nginx forwards them.
"""

import re

import pytest
from django.test import Client

from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

HOST = "broadsheet.example.com"


@pytest.fixture
def https(production_http) -> Client:
    """A client whose requests arrive like nginx forwards them: HTTPS, our host."""
    return Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def _assert_security_headers(response, *, opener_policy: bool = True):
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    if opener_policy:  # API docs may relax it for OAuth pop-ups
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline or eval script anywhere
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]


def _page_needs(html: str) -> tuple[list[str], bool]:
    """External scripts, and whether the page has any inline script (CSP blocks it)."""
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    # Data blocks (JSON-LD) are not executed, so script-src does not apply to them.
    scripts = [(attrs, body) for attrs, body in scripts if "application/ld+json" not in attrs]
    sources = [re.search(r'src="([^"]+)"', attrs) for attrs, _ in scripts]
    inline = any(not src and body.strip() for src, (_, body) in zip(sources, scripts, strict=True))
    return [src.group(1) for src in sources if src], inline


def test_reader_pages_send_every_security_header(https):
    post = PostFactory()
    for url in ["/", post.get_absolute_url(), "/feed/", "/accounts/login/"]:
        response = https.get(url)
        assert response.status_code == 200, url
        _assert_security_headers(response)
        assert not _page_needs(response.content.decode())[1], f"inline script on {url}"


def test_admin_works_under_the_csp(https):
    response = https.get("/admin/login/")
    assert response.status_code == 200
    _assert_security_headers(response)
    sources, inline = _page_needs(response.content.decode())
    assert not inline
    assert all(src.startswith("/static/") for src in sources)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"], ids=["swagger", "redoc"])
def test_api_docs_work_under_the_csp(https, url):
    response = https.get(url)
    assert response.status_code == 200
    _assert_security_headers(response, opener_policy=False)
    sources, inline = _page_needs(response.content.decode())
    assert not inline, "inline script: blocked by script-src 'self'"
    for src in sources:
        assert src.startswith("/"), f"{src}: assets must be served locally"
        assert https.get(src).status_code == 200, src
    csp = _csp(response)
    assert "'unsafe-inline'" in csp["style-src"]  # Swagger UI and ReDoc set inline styles
    assert "blob:" in csp["worker-src"]  # ReDoc runs a blob: worker


def test_plain_http_is_redirected_to_https(production_http):
    response = Client(HTTP_HOST=HOST).get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/accounts/login/"


def test_cookies_are_host_prefixed_secure_and_host_only(https):
    user = UserFactory(username="cookie")
    response = https.get("/accounts/login/")
    csrf = response.cookies["__Host-csrftoken"]
    assert csrf["secure"] and csrf["path"] == "/" and not csrf["domain"]
    assert csrf["samesite"] == "Lax"
    response = https.post(
        "/accounts/login/", {"username": user.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    session = response.cookies["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["path"] == "/"
    assert not session["domain"]
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_a_foreign_host_header_gets_400(production_http):
    response = Client(HTTP_HOST="evil.example", HTTP_X_FORWARDED_PROTO="https").get("/")
    assert response.status_code == 400


def _fail_login(client: Client, username: str, address: str):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": "wrong-password"},
        REMOTE_ADDR=address,
        HTTP_X_FORWARDED_FOR=address,
    )


def _normalised(response) -> str:
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'value="[^"]*"', "", html)


def test_lockout_does_not_reveal_whether_the_account_exists(https, settings):
    UserFactory(username="alice")
    limit = settings.AXES_FAILURE_LIMIT
    answers = {}
    for n, username in enumerate(("alice", "nobody-by-that-name")):
        address = f"10.0.{n}.1"
        first = _fail_login(https, username, address)
        for _attempt in range(1, limit):
            _fail_login(https, username, address)
        locked = _fail_login(https, username, address)
        answers[username] = (first, locked)
    (alice_first, alice_locked), (nobody_first, nobody_locked) = answers.values()
    assert alice_first.status_code == nobody_first.status_code == 200
    assert alice_locked.status_code == nobody_locked.status_code == 429
    assert _normalised(alice_locked) == _normalised(nobody_locked)
    assert _normalised(alice_first) == _normalised(nobody_first)


def test_lockout_is_per_username_and_address(https, settings):
    """Nobody can lock `bob` out from elsewhere."""
    UserFactory(username="bob")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _fail_login(https, "bob", "10.1.1.1")
    response = https.post(
        "/accounts/login/",
        {"username": "bob", "password": "correct-horse-battery"},
        REMOTE_ADDR="10.1.1.1",
        HTTP_X_FORWARDED_FOR="10.1.1.1",
    )
    assert response.status_code == 429  # even the right password, from that address
    other = https.post(
        "/accounts/login/",
        {"username": "bob", "password": "correct-horse-battery"},
        REMOTE_ADDR="10.2.2.2",
        HTTP_X_FORWARDED_FOR="10.2.2.2",
    )
    assert other.status_code == 302
