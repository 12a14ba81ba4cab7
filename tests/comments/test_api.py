"""`/api/posts/{id}/comments/` and the moderation endpoints, as clients use them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from comments.models import Comment, CommentBan, CommentPolicy, Discussion, ModerationAction
from members.models import Member
from members.sessions import SESSION_EPOCH, SESSION_MEMBER
from tests.api.conftest import PASSWORD
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(db):
    """`api_as(user)`: a client with a bearer token `user` obtained from the API (as in
    tests/api/conftest.py, whose fixtures reach tests/api only)."""

    def client_for(user):
        client = APIClient()
        token = client.post(
            "/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
        )
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
        return client

    return client_for


def member_named(name: str = "Ada", email: str = "ada@example.com") -> Member:
    return Member.objects.create(email=email, name=name, status=Member.Status.ACTIVE)


def signed_in(member: Member, *, csrf: bool = False) -> Client:
    """A browser with the member's session (members/sessions.py), enforcing CSRF if asked."""
    client = Client(enforce_csrf_checks=csrf)
    session = client.session
    session[SESSION_MEMBER] = member.pk
    session[SESSION_EPOCH] = member.session_epoch
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def comment(post, *, status=Comment.Status.APPROVED, parent=None, minutes_ago=10, **fields):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return Comment.objects.create(
        post=post,
        parent=parent,
        author_name=fields.pop("author_name", "Grace"),
        author_email=fields.pop("author_email", "grace@example.com"),
        body=fields.pop("body", "Nice *post*"),
        body_html=fields.pop("body_html", "<p>Nice <em>post</em></p>"),
        status=status,
        created_at=at,
        client_ip="203.0.113.9",
        **fields,
    )


def post_comment(client: Client, post, data: dict, **extra):
    return client.post(
        f"/api/posts/{post.pk}/comments/", data, content_type="application/json", **extra
    )


# --- reading ----------------------------------------------------------------------------


def test_anyone_reads_the_approved_comments_oldest_first_without_private_fields(api):
    post = PostFactory()
    first = comment(post, minutes_ago=30)
    reply = comment(post, parent=first, minutes_ago=20, author_name="Linus")
    comment(post, status=Comment.Status.PENDING, minutes_ago=15)
    comment(post, status=Comment.Status.SPAM, minutes_ago=14)
    comment(post, status=Comment.Status.REMOVED, minutes_ago=13)

    response = api.get(f"/api/posts/{post.pk}/comments/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["id"] for row in results] == [first.pk, reply.pk]
    assert results[1]["parent"] == first.pk and results[0]["parent"] is None
    assert results[1]["author_name"] == "Linus"
    assert results[0]["body_html"] == "<p>Nice <em>post</em></p>"
    assert set(results[0]) == {
        "id",
        "parent",
        "author_name",
        "body_html",
        "created_at",
        "edited_at",
    }
    assert b"grace@example.com" not in response.content
    assert b"203.0.113.9" not in response.content


def test_a_post_the_client_may_not_see_is_a_404(api, api_as, author):
    draft = PostFactory(draft=True, author=author)
    comment(draft)
    response = api.get(f"/api/posts/{draft.pk}/comments/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert api.get("/api/posts/999999/comments/").status_code == 404
    # Its author may see the draft, so its (approved) comments too.
    assert api_as(author).get(f"/api/posts/{draft.pk}/comments/").status_code == 200


def test_a_hidden_discussion_shows_no_comments(api):
    post = PostFactory()
    comment(post)
    Discussion.objects.create(post=post, mode=Discussion.Mode.HIDDEN)
    assert api.get(f"/api/posts/{post.pk}/comments/").json()["results"] == []


def test_cursor_pages_walk_the_thread_without_repeats(api):
    post = PostFactory()
    made = [comment(post, minutes_ago=60 - i, body=f"c{i}") for i in range(7)]
    seen, url = [], f"/api/posts/{post.pk}/comments/?page_size=3"
    while url:
        page = api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == [c.pk for c in made]


def test_unknown_query_parameters_are_refused(api):
    post = PostFactory()
    response = api.get(f"/api/posts/{post.pk}/comments/?status=pending")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"


# --- posting ----------------------------------------------------------------------------


def test_a_signed_in_member_comments_and_the_first_comment_waits(api):
    post = PostFactory()
    ada = member_named()
    client = signed_in(ada)

    response = post_comment(client, post, {"body": "First! See [this](https://example.org)"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["author_name"] == "Ada"
    assert 'rel="nofollow ugc"' in body["body_html"]
    saved = Comment.objects.get(pk=body["id"])
    assert saved.member == ada and saved.post == post and saved.client_ip == "127.0.0.1"
    # Pending: not in the public thread yet.
    assert api.get(f"/api/posts/{post.pk}/comments/").json()["results"] == []


def test_a_trusted_member_comment_shows_at_once_and_replies_attach_one_level(api):
    post = PostFactory()
    ada = member_named()
    top = comment(post, member=ada)
    reply = comment(post, parent=top, minutes_ago=5)
    client = signed_in(ada)

    response = post_comment(client, post, {"body": "Answering the reply", "parent": reply.pk})

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["parent"] == top.pk  # a reply to a reply answers the top comment
    ids = [row["id"] for row in api.get(f"/api/posts/{post.pk}/comments/").json()["results"]]
    assert response.json()["id"] in ids


def test_member_writes_need_the_csrf_token():
    post = PostFactory()
    client = signed_in(member_named(), csrf=True)
    refused = post_comment(client, post, {"body": "Hello"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Comment.objects.exists()

    # What a page of the site hands the browser: the cookie and the token in the form.
    request = RequestFactory().get("/")
    token = get_token(request)
    client.cookies[settings.CSRF_COOKIE_NAME] = request.META["CSRF_COOKIE"]
    accepted = post_comment(client, post, {"body": "Hello"}, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content


def test_anonymous_clients_are_told_to_sign_in(api):
    post = PostFactory()
    response = api.post(f"/api/posts/{post.pk}/comments/", {"body": "Hi"}, format="json")
    assert response.status_code == 401
    assert "/members/signin/" in response.json()["detail"]
    assert not Comment.objects.exists()


def test_staff_tokens_may_not_post_as_members(api_as, editor):
    post = PostFactory()
    response = api_as(editor).post(f"/api/posts/{post.pk}/comments/", {"body": "Hi"}, format="json")
    assert response.status_code == 403
    problem = response.json()
    assert problem["code"] == "members_only"
    assert "members" in problem["detail"]
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "data, field, status",
    [
        ({}, "body", 400),
        ({"body": "   "}, "body", 400),
        ({"body": 3}, "body", 400),
        ({"body": "x" * 5001}, "body", 400),
        ({"body": "hi", "member": 3}, "member", 400),
        ({"body": "hi", "parent": 999999}, "parent", 409),
    ],
)
def test_bad_bodies_are_problems_naming_the_field(data, field, status):
    post = PostFactory()
    response = post_comment(signed_in(member_named()), post, data)
    assert response.status_code == status, response.content
    assert response.json()["errors"][0]["field"] == field


def test_a_parent_on_another_post_is_unknown_here():
    post, other = PostFactory(), PostFactory()
    elsewhere = comment(other)
    response = post_comment(signed_in(member_named()), post, {"body": "hi", "parent": elsewhere.pk})
    assert response.status_code == 409


def test_closed_discussions_and_banned_members_are_refused_with_a_reason():
    post = PostFactory()
    ada = member_named()
    Discussion.objects.create(post=post, mode=Discussion.Mode.CLOSED)
    closed = post_comment(signed_in(ada), post, {"body": "hi"})
    assert closed.status_code == 403 and "closed" in closed.json()["detail"]

    open_post = PostFactory()
    CommentBan.objects.create(member=ada)
    banned = post_comment(signed_in(ada), open_post, {"body": "hi"})
    assert banned.status_code == 403 and "no longer" in banned.json()["detail"]
    assert not Comment.objects.exists()


def test_members_cannot_comment_on_drafts(author):
    draft = PostFactory(draft=True, author=author)
    assert post_comment(signed_in(member_named()), draft, {"body": "hi"}).status_code == 404


# --- moderation -------------------------------------------------------------------------


def test_editors_list_the_pending_queue_oldest_first(api_as, editor):
    post = PostFactory()
    newer = comment(post, status=Comment.Status.PENDING, minutes_ago=1)
    older = comment(post, status=Comment.Status.PENDING, minutes_ago=50)
    comment(post)

    response = api_as(editor).get("/api/comments/?status=pending")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [older.pk, newer.pk]
    assert rows[0]["author_email"] == "grace@example.com"  # for moderation
    assert "client_ip" not in rows[0]


def test_approve_spam_remove_and_bad_transitions(api_as, editor):
    pending = comment(PostFactory(), status=Comment.Status.PENDING)
    client = api_as(editor)

    approved = client.post(f"/api/comments/{pending.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = client.post(f"/api/comments/{pending.pk}/approve/")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert "already" in again.json()["detail"] or "approved" in again.json()["detail"]

    assert client.post(f"/api/comments/{pending.pk}/spam/").json()["status"] == "spam"
    assert client.post(f"/api/comments/{pending.pk}/remove/").json()["status"] == "removed"
    assert client.post(f"/api/comments/{pending.pk}/approve/").status_code == 409
    actions = list(
        ModerationAction.objects.filter(comment=pending)
        .order_by("pk")
        .values_list("action", "actor")
    )
    assert actions == [("approve", editor.pk), ("spam", editor.pk), ("remove", editor.pk)]


def test_authors_moderate_their_own_posts_only(api_as, author, other_author):
    mine = comment(PostFactory(author=author), status=Comment.Status.PENDING)
    theirs = comment(PostFactory(author=other_author), status=Comment.Status.PENDING)
    client = api_as(author)

    listed = [row["id"] for row in client.get("/api/comments/").json()["results"]]
    assert listed == [mine.pk]
    assert client.post(f"/api/comments/{theirs.pk}/approve/").status_code == 404
    assert client.post(f"/api/comments/{mine.pk}/approve/").status_code == 200


def test_readers_and_members_cannot_moderate(api, api_as, reader):
    pending = comment(PostFactory(), status=Comment.Status.PENDING)
    assert api.get("/api/comments/").status_code == 401
    assert api_as(reader).get("/api/comments/").status_code == 403
    member_client = signed_in(member_named())
    assert member_client.post(f"/api/comments/{pending.pk}/approve/").status_code in (401, 403)
    pending.refresh_from_db()
    assert pending.status == Comment.Status.PENDING


def test_site_wide_off_refuses_new_comments():
    CommentPolicy.objects.create(pk=1, enabled=False)
    post = PostFactory()
    assert post_comment(signed_in(member_named()), post, {"body": "hi"}).status_code == 403


def test_the_schema_documents_the_comment_endpoints(api):
    schema = api.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    thread = paths["/api/posts/{post_id}/comments/"]
    assert {} in thread["get"]["security"]  # anyone reads
    assert {"401", "403", "409"} <= set(thread["post"]["responses"])  # members only; parent
    listed = {p["name"]: p["schema"] for p in paths["/api/comments/"]["get"]["parameters"]}
    assert listed["post"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    for move in ("approve", "spam", "remove"):
        responses = paths[f"/api/comments/{{id}}/{move}/"]["post"]["responses"]
        assert "409" in responses and "200" in responses
    comment = schema["components"]["schemas"]["Comment"]["properties"]
    assert "author_email" not in comment and "client_ip" not in comment
