"""Issue 26, finding 8: pages with secrets or personal content tell every cache (browser,
proxy, CDN) to keep no copy: `Cache-Control: private, no-store`."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _never_stored(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return response.status_code == 200 and {"private", "no-store"} <= directives


@pytest.mark.parametrize("path", ["/api/webhooks/", "/api/images/"])
def test_api_lists_with_secrets_or_a_writers_library_are_never_stored(api_as, editor, path):
    assert _never_stored(api_as(editor).get(path))


def test_a_webhook_with_its_signing_secret_is_never_stored(api_as, editor):
    client = api_as(editor)
    created = client.post("/api/webhooks/", {"url": "https://hooks.example.com/x"}, format="json")
    assert created.status_code == 201 and "no-store" in created["Cache-Control"]
    assert _never_stored(client.get(f"/api/webhooks/{created.json()['id']}/"))


def test_the_password_change_page_is_never_stored(client_for, author):
    assert _never_stored(client_for(author).get(reverse("accounts:password_change")))


def test_a_signed_in_search_is_never_stored(client_for, author):
    assert _never_stored(client_for(author).get("/search/?q=harbour"))
