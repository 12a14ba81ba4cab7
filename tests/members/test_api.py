"""`/api/members/` and `/api/newsletters/`: editors only; strict bodies, problem details,
ETags with If-Match, cursor pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from members.importing import import_members
from members.models import Member
from newsletters.models import Newsletter, Subscription
from tests.factories import AuthorFactory, ContributorFactory, EditorFactory, UserFactory

from .conftest import FIXTURES, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_api(api_as):
    return api_as(EditorFactory(username="api-editor"))


@pytest.mark.parametrize("url", ["/api/members/", "/api/newsletters/"])
def test_anonymous_clients_get_a_401_and_writers_a_403(api, api_as, url):
    assert api.get(url).status_code == 401
    assert api.post(url, {}, format="json").status_code == 401
    for factory in (AuthorFactory, ContributorFactory, UserFactory):
        client = api_as(factory())
        response = client.get(url)
        assert response.status_code == 403, factory
        assert response["Content-Type"] == "application/problem+json"
        assert client.post(url, {"email": "a@example.com"}, format="json").status_code == 403


def test_an_editor_creates_a_member_on_the_default_newsletters(editor_api, weekly, extra):
    response = editor_api.post(
        "/api/members/", {"email": "Ann@Example.com", "name": "Ann"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["status"], body["source"]) == ("ann@example.com", "active", "api")
    assert body["newsletters"] == [weekly.pk]
    assert response["Location"].endswith(f"/api/members/{body['id']}/")
    assert response["ETag"] == editor_api.get(f"/api/members/{body['id']}/")["ETag"]


def test_problem_details_on_bad_input(editor_api, weekly):
    bad = editor_api.post("/api/members/", {"email": "not an address"}, format="json")
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in bad.json()["errors"]] == ["email"]
    unknown = editor_api.post(
        "/api/members/", {"email": "a@example.com", "status": "active"}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["code"] == "read_only"
    make_member("taken@example.com")
    taken = editor_api.post("/api/members/", {"email": "TAKEN@example.com"}, format="json")
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "email"
    missing = editor_api.post(
        "/api/members/", {"email": "b@example.com", "newsletters": [999999]}, format="json"
    )
    assert missing.status_code == 409
    assert not Member.objects.filter(email__in=["a@example.com", "b@example.com"]).exists()


def test_partial_update_with_if_match(editor_api, weekly, extra):
    member = make_member("m@example.com", newsletters=[weekly])
    url = f"/api/members/{member.pk}/"
    read = editor_api.get(url)
    etag = read["ETag"]
    assert editor_api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    changed = editor_api.patch(
        url, {"name": "Em", "newsletters": [extra.pk]}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["newsletters"] == [extra.pk] and changed["ETag"] != etag
    stale = editor_api.patch(url, {"note": "late"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    weak = editor_api.patch(
        url, {"note": "ok"}, format="json", HTTP_IF_MATCH=f"W/{changed['ETag']}"
    )
    assert weak.status_code == 200
    assert editor_api.patch(url, {"email": "x@example.com"}, format="json").status_code == 400
    assert editor_api.put(url, {"name": "x"}, format="json").status_code == 405
    member.refresh_from_db()
    assert (member.name, member.note, member.email) == ("Em", "ok", "m@example.com")
    newsletters = Subscription.objects.filter(member=member).values_list("newsletter", flat=True)
    assert list(newsletters) == [extra.pk]


def test_delete_with_a_stale_etag_is_refused(editor_api):
    member = make_member("d@example.com")
    url = f"/api/members/{member.pk}/"
    etag = editor_api.get(url)["ETag"]
    Member.objects.filter(pk=member.pk).update(name="Changed meanwhile")
    assert editor_api.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert editor_api.delete(url).status_code == 204
    assert editor_api.get(url).status_code == 404


def test_filters_and_search(editor_api, weekly, extra):
    make_member("ada@example.com", name="Ada", newsletters=[weekly])
    make_member("bob@example.com", name="Bob", newsletters=[extra], status="pending")
    make_member("cy@example.com", name="Cy")

    def emails(**params):
        response = editor_api.get("/api/members/", params)
        assert response.status_code == 200, response.content
        return sorted(row["email"] for row in response.json()["results"])

    assert emails(status="pending") == ["bob@example.com"]
    assert emails(newsletter="weekly,extra") == ["ada@example.com", "bob@example.com"]
    assert emails(search="ada") == ["ada@example.com"]
    assert emails(newsletter="nope") == []
    bad = editor_api.get("/api/members/", {"colour": "red"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "colour"


def test_cursor_pages_list_every_member_once_in_the_order_they_joined(
    editor_api, time_machine, django_assert_max_num_queries
):
    for n in range(5):
        make_member(f"c{n}@example.com")
    time_machine.move_to(timezone.now() + timedelta(seconds=5))
    seen, url = [], "/api/members/?cursor=&page_size=2"
    while url:
        with django_assert_max_num_queries(8):  # constant per page: newsletters prefetched
            response = editor_api.get(url)
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        body = response.json()
        seen += [row["email"] for row in body["results"]]
        url = body["next"]
    assert seen == [f"c{n}@example.com" for n in range(5)]
    assert editor_api.get("/api/members/?cursor=&page=2").status_code == 400
    assert editor_api.get("/api/members/?cursor=bm90LWEtY3Vyc29y").status_code == 404


def test_a_saved_cursor_finds_members_imported_with_their_old_join_dates(
    editor_api, time_machine, weekly
):
    """A Ghost export's members keep the dates they joined there (2024), yet a client
    that crawled before the import finds them on its next page: cursor pages follow when
    this site added a member, not `created_at`."""
    make_member("before@example.com")
    time_machine.move_to(timezone.now() + timedelta(seconds=5))
    crawled = editor_api.get("/api/members/?cursor=&page_size=100").json()
    assert [row["email"] for row in crawled["results"]] == ["before@example.com"]
    with open(FIXTURES / "ghost-members.csv", "rb") as export:
        assert import_members(export).created == 3
    time_machine.move_to(timezone.now() + timedelta(seconds=5))
    imported = Member.objects.exclude(email="before@example.com")
    assert all(member.created_at.year == 2024 for member in imported)
    resumed = editor_api.get("/api/members/", {"cursor": crawled["cursor"], "page_size": 100})
    assert {row["email"] for row in resumed.json()["results"]} == {m.email for m in imported}


def test_newsletters_crud_by_an_editor(editor_api):
    created = editor_api.post(
        "/api/newsletters/",
        {"name": "Daily", "slug": "daily", "sender_email": "News@Example.com"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["sender_email"] == "news@example.com" and body["subscribe_by_default"] is True
    url = f"/api/newsletters/{body['id']}/"
    etag = created["ETag"]
    assert editor_api.patch(url, {"order": "3"}, format="json").status_code == 400
    assert editor_api.patch(url, {"order": 2.5}, format="json").status_code == 400
    assert editor_api.patch(url, {"sender_email": "nope"}, format="json").status_code == 400
    renamed = editor_api.patch(
        url, {"name": "Daily news", "order": 3.0}, format="json", HTTP_IF_MATCH=etag
    )
    assert renamed.status_code == 200 and renamed.json()["order"] == 3  # 3.0 is an integer
    assert editor_api.patch(url, {"order": 2}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    again = editor_api.post("/api/newsletters/", {"name": "X", "slug": "daily"}, format="json")
    assert again.status_code == 409
    assert editor_api.delete(url).status_code == 204
    assert not Newsletter.objects.exists()


def test_a_newsletter_that_sent_issues_is_archived_not_deleted(editor_api, weekly):
    weekly.issues.create(subject="Sent once")
    response = editor_api.delete(f"/api/newsletters/{weekly.pk}/")
    assert response.status_code == 409 and "archive" in response.json()["detail"]


def test_the_schema_documents_members_and_newsletters(api):
    schema = api.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {"/api/members/", "/api/members/{id}/", "/api/newsletters/"} <= set(paths)
    assert "put" not in paths["/api/members/{id}/"]
    create = schema["components"]["schemas"]["MemberCreateRequest"]
    assert create["properties"]["email"]["pattern"].startswith("^[A-Za-z0-9")
    assert create["additionalProperties"] is False
    assert "412" in paths["/api/members/{id}/"]["patch"]["responses"]
    assert "409" in paths["/api/members/"]["post"]["responses"]
    names = {p["name"] for p in paths["/api/members/"]["get"]["parameters"]}
    assert {"status", "newsletter", "search", "cursor", "ordering"} <= names
    assert {"member.created", "member.deleted", "newsletter.sent"} <= set(schema["webhooks"])


def test_patching_newsletters_keeps_archived_ones_and_adds_none(editor_api, weekly):
    old = Newsletter.objects.create(name="Old", slug="old", active=False)
    gone = Newsletter.objects.create(name="Gone", slug="gone", active=False)
    member = make_member("keep@example.com", newsletters=[old])
    url = f"/api/members/{member.pk}/"
    changed = editor_api.patch(url, {"newsletters": [weekly.pk]}, format="json")
    assert changed.status_code == 200, changed.content
    assert sorted(changed.json()["newsletters"]) == sorted([old.pk, weekly.pk])  # old kept
    refused = editor_api.patch(url, {"newsletters": [weekly.pk, gone.pk]}, format="json")
    assert refused.status_code == 400 and "gone" in refused.content.decode()
    kept = editor_api.patch(url, {"newsletters": [old.pk]}, format="json")  # theirs already
    assert kept.status_code == 200 and kept.json()["newsletters"] == [old.pk]
    assert set(member.newsletters.values_list("slug", flat=True)) == {"old"}
