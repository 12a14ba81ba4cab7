"""Shareable preview links: made from the post form by its writer or an editor, opened
by anyone holding one, until revoked or expired or the post is deleted."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog.services import post_delete, post_update
from previews.models import PreviewLink
from previews.services import preview_link_create
from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def change_url(post) -> str:
    return reverse("admin:blog_post_change", args=[post.pk])


def create_url(post) -> str:
    return reverse("admin:post_preview_link_create", args=[post.pk])


def preview_url(link) -> str:
    return reverse("previews:preview", args=[link.token])


def links_in(html: str) -> list[str]:
    return re.findall(r'class="vTextField preview-link-url" value="([^"]+)"', html)


@pytest.fixture
def draft(author):
    return PostFactory(author=author, draft=True, title="Tide tables, draft", body="Secret *text*.")


def test_author_creates_a_link_listed_in_the_form_with_copy_button(client_for, author, draft):
    client = client_for(author)
    response = client.post(create_url(draft), {"days": "7"})
    assert response.status_code == 302
    assert response["Location"].endswith(change_url(draft) + "#preview-links")
    link = PreviewLink.objects.get(post=draft)
    assert len(link.token) >= 43  # secrets.token_urlsafe(32)
    assert link.created_by == author
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)
    html = client.get(change_url(draft)).content.decode()
    assert "Preview links" in html and "Works until" in html
    [url] = links_in(html)
    assert url.startswith("http") and url.endswith(f"/preview/{link.token}/")
    assert 'class="button copy-preview-link"' in html and "previews/copy.js" in html
    assert "never" in html  # not viewed yet


def test_editor_creates_a_link_with_a_chosen_expiry(client_for, editor, draft):
    client_for(editor).post(create_url(draft), {"days": "1"})
    link = PreviewLink.objects.get(post=draft)
    assert link.expires_at - timezone.now() <= timedelta(days=1)
    assert link.created_by == editor


def test_an_expiry_not_offered_is_refused_with_a_message(client_for, author, draft):
    response = client_for(author).post(create_url(draft), {"days": "365"}, follow=True)
    assert not PreviewLink.objects.exists()
    assert "1 to 30 days" in response.content.decode()


def test_other_writers_get_no_box_and_cannot_create_or_revoke(client_for, author, draft):
    link = preview_link_create(post=draft, user=author)
    other = AuthorFactory()
    client = client_for(other)
    assert client.post(create_url(draft), {"days": "7"}).status_code in (403, 404)
    revoke = reverse("admin:post_preview_link_revoke", args=[draft.pk, link.pk])
    assert client.post(revoke).status_code in (403, 404)
    link.refresh_from_db()
    assert link.is_live and PreviewLink.objects.count() == 1


def test_a_contributor_shares_their_own_draft_but_not_someone_elses(client_for, contributor, draft):
    own = PostFactory(author=contributor, draft=True)
    client = client_for(contributor)
    assert client.post(create_url(own), {"days": "7"}).status_code == 302
    assert client.post(create_url(draft), {"days": "7"}).status_code in (403, 404)
    assert list(PreviewLink.objects.values_list("post", flat=True)) == [own.pk]
    assert "Preview links" in client.get(change_url(own)).content.decode()


def test_get_on_the_create_url_changes_nothing(client_for, author, draft):
    assert client_for(author).get(create_url(draft)).status_code == 405
    assert not PreviewLink.objects.exists()


def test_someone_without_an_account_sees_the_draft_with_banner_and_private_headers(author, draft):
    link = preview_link_create(post=draft, user=author)
    response = Client().get(preview_url(link))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tide tables, draft" in html and "<em>text</em>" in html
    assert "Preview of a draft — not published" in html
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"] == "noindex"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control and "public" not in cache_control
    assert response["Referrer-Policy"] == "no-referrer"
    assert "X-Page-Cache" not in response  # never through the page cache


def test_views_are_counted_on_every_open_never_served_from_a_cache(author, draft):
    link = preview_link_create(post=draft, user=author)
    client = Client()
    for _ in range(3):
        assert client.get(preview_url(link)).status_code == 200
    link.refresh_from_db()
    assert link.views == 3 and link.last_viewed_at is not None
    # An edit shows at once: nothing kept the old text.
    post_update(post=draft, data={"title": "Tide tables, second draft"}, user=author)
    assert "second draft" in client.get(preview_url(link)).content.decode()


def test_the_form_lists_the_view_count(client_for, author, draft):
    link = preview_link_create(post=draft, user=author)
    Client().get(preview_url(link))
    Client().get(preview_url(link))
    html = client_for(author).get(change_url(draft)).content.decode()
    assert '<td class="preview-link-views">2</td>' in html


def not_found_like_an_unknown_token(response, link) -> None:
    unknown = Client().get("/preview/" + "x" * 43 + "/")
    assert response.status_code == unknown.status_code == 404
    # The same page (the layout's canonical link names the address asked for).
    assert response.content.replace(link.token.encode(), b"x" * 43) == unknown.content
    assert response["Cache-Control"] == unknown["Cache-Control"]
    assert "Tide tables" not in response.content.decode()


def test_a_revoked_link_stops_working(client_for, author, draft):
    link = preview_link_create(post=draft, user=author)
    client = client_for(author)
    html = client.get(change_url(draft)).content.decode()
    revoke = reverse("admin:post_preview_link_revoke", args=[draft.pk, link.pk])
    assert revoke in html
    response = client.post(revoke, follow=True)
    assert "Preview link revoked" in response.content.decode()
    assert links_in(response.content.decode()) == []  # no longer offered to copy
    not_found_like_an_unknown_token(Client().get(preview_url(link)), link)
    link.refresh_from_db()
    assert link.views == 0  # a refused open is not a view


def test_a_link_expires(time_machine, author, draft):
    time_machine.move_to(timezone.now(), tick=False)
    link = preview_link_create(post=draft, user=author, days=3)
    time_machine.shift(timedelta(days=3) - timedelta(seconds=1))
    assert Client().get(preview_url(link)).status_code == 200
    time_machine.shift(timedelta(seconds=1))
    not_found_like_an_unknown_token(Client().get(preview_url(link)), link)


def test_a_deleted_post_takes_its_links_with_it(author, draft):
    link = preview_link_create(post=draft, user=author)
    post_delete(post=draft, user=author)
    assert not PreviewLink.objects.filter(pk=link.pk).exists()
    not_found_like_an_unknown_token(Client().get(preview_url(link)), link)


def test_a_post_published_since_redirects_to_its_public_page(author, draft):
    link = preview_link_create(post=draft, user=author)
    post_update(post=draft, data={"status": "published"}, user=author)
    response = Client().get(preview_url(link))
    assert response.status_code == 302
    assert response["Location"] == draft.get_absolute_url()
    assert "no-store" in response["Cache-Control"]
    # Unpublished again: the link previews it again.
    post_update(post=draft, data={"status": "draft", "published_at": None}, user=author)
    assert Client().get(preview_url(link)).status_code == 200


def test_a_scheduled_post_is_previewed_not_redirected(author):
    post = PostFactory(author=author, scheduled=True, title="Coming soon")
    link = preview_link_create(post=post, user=author)
    response = Client().get(preview_url(link))
    assert response.status_code == 200 and "Coming soon" in response.content.decode()


def test_a_preview_costs_the_same_queries_however_big_the_post_and_site(
    author, draft, django_assert_num_queries
):
    link = preview_link_create(post=draft, user=author)
    client = Client()
    client.get(preview_url(link))  # the header's menu is then cached, as on every page
    with django_assert_num_queries(QUERIES):
        assert client.get(preview_url(link)).status_code == 200
    category = CategoryFactory()
    tags = [TagFactory() for _ in range(5)]
    for _ in range(10):
        PostFactory(author=author, category=category, tags=tags)
    post_update(post=draft, data={"category": category, "tags": tags}, user=author)
    client.get(preview_url(link))
    with django_assert_num_queries(QUERIES):
        assert client.get(preview_url(link)).status_code == 200


# The live link with its post; the view counted (one UPDATE); the post with author,
# category and cover; its tags; its bylines (co-authors). A draft has no previous/next or
# related posts.
QUERIES = 5


def feedback_url(link) -> str:
    return reverse("previews:feedback", args=[link.token])


def csrf_from(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def test_the_reader_leaves_feedback_the_writer_sees_in_the_form(client_for, author, draft):
    link = preview_link_create(post=draft, user=author)
    reader = Client(enforce_csrf_checks=True)
    assert feedback_url(link) in reader.get(preview_url(link)).content.decode()
    page = reader.get(feedback_url(link))
    assert page.status_code == 200 and "Tide tables, draft" in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"  # so the form's POST carries its Origin
    assert "no-store" in page["Cache-Control"] and page["X-Robots-Tag"] == "noindex"
    data = {"name": "Kim", "message": "The second <b>table</b> is wrong."}
    assert reader.post(feedback_url(link), data).status_code == 403  # no CSRF token
    sent = reader.post(feedback_url(link), {**data, "csrfmiddlewaretoken": csrf_from(page)})
    assert sent.status_code == 302 and sent["Location"] == "?sent=1"
    assert "Thank you" in reader.get(feedback_url(link) + "?sent=1").content.decode()
    html = client_for(author).get(change_url(draft)).content.decode()
    assert "Feedback from preview readers" in html
    assert (
        "<strong>Kim</strong>" in html and "The second &lt;b&gt;table&lt;/b&gt; is wrong." in html
    )


def test_feedback_is_rate_limited_and_needs_a_live_link(author, draft):
    link = preview_link_create(post=draft, user=author)
    reader = Client()
    for n in range(5):
        assert reader.post(feedback_url(link), {"message": f"Note {n}"}).status_code == 302
    refused = reader.post(feedback_url(link), {"message": "One more"})
    assert refused.status_code == 200 and "try again in an hour" in refused.content.decode()
    assert link.feedback.count() == 5
    assert reader.post(feedback_url(link), {"message": ""}).status_code == 200  # required
    link.revoked_at = timezone.now()
    link.save()
    assert reader.get(feedback_url(link)).status_code == 404
    assert reader.post(feedback_url(link), {"message": "Late"}).status_code == 404
    assert link.feedback.count() == 5


def test_a_link_to_an_expired_post_is_a_404_like_any_dead_link(client, author):
    """An expiry takes a post down for everyone: a preview link handed out before does
    not keep showing it (an embargo ended, an offer withdrawn)."""
    now = timezone.now()
    post = PostFactory(
        author=author,
        title="Offer",
        published_at=now - timedelta(days=2),
        expires_at=now + timedelta(hours=1),
    )
    link = preview_link_create(post=post, user=author)
    assert client.get(preview_url(link)).status_code == 302  # public: the page itself
    PostFactory._meta.model.all_kinds.filter(pk=post.pk).update(
        expires_at=now - timedelta(minutes=1)
    )
    response = client.get(preview_url(link))
    assert response.status_code == 404 and "Offer" not in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_a_co_author_may_share_a_preview_like_the_lead(client_for, author, other_author):
    from blog.permissions import can_share_preview
    from blog.services import post_create

    draft = post_create(
        data={
            "title": "Two hands",
            "body": "x",
            "author": author,
            "authors": [author, other_author],
        },
        user=author,
    )
    assert can_share_preview(other_author, draft)
    assert not can_share_preview(AuthorFactory(), draft)


def test_a_link_to_a_draft_page_shows_it_as_a_page(client, author):
    from blog.services import post_create
    from pages.models import Page

    page = post_create(post=Page(), data={"title": "Imprint", "body": "Who *we* are."}, user=author)
    link = preview_link_create(post=page, user=author)
    response = client.get(preview_url(link))
    html = response.content.decode()
    assert response.status_code == 200 and "Who <em>we</em> are." in html
    assert 'class="page"' in html and 'name="robots" content="noindex"' in html
    assert "no-store" in response["Cache-Control"]
