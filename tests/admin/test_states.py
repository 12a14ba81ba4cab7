"""States and scheduling in the admin: words, colours, buttons, zones, what each button saves."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from blog.models import Post
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

NEW_YORK = "America/New_York"


def change_url(post):
    return reverse("admin:blog_post_change", args=[post.pk])


def form(post=None, **overrides):
    data = {
        "title": post.title if post else "A new post",
        "slug": post.slug if post else "",
        "body": post.body if post else "Some *Markdown*.",
        "excerpt": "",
        "category": "",
        "tags": [],
        "published_at": "",
        "version": post.version if post else "",
    }
    return {**data, **overrides}


def buttons(response) -> list[str]:
    """The labels of the form's `_action` buttons, in page order."""
    html = response.content.decode()
    return re.findall(
        r'<button type="submit" name="_action" value="\w+"[^>]*>([^<]+)</button>', html
    )


def test_contributor_saves_drafts_and_submits_for_review(client_for, contributor):
    client = client_for(contributor)
    assert buttons(client.get(reverse("admin:blog_post_add"))) == [
        "Save draft",
        "Submit for review",
    ]
    response = client.post(reverse("admin:blog_post_add"), form(_action="draft"))
    post = Post.objects.get()
    assert response.status_code == 302 and response.url == change_url(post)
    assert post.state == Post.State.DRAFT

    response = client.post(change_url(post), form(post, _action="review"), follow=True)
    assert "Submitted for review" in response.content.decode()
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW and post.published_at is None
    assert not Post.objects.public().filter(pk=post.pk).exists()
    # Still theirs to edit while it waits; but never theirs to publish.
    response = client.post(change_url(post), form(post, _action="publish"))
    assert response.status_code == 200
    assert "not yours to press" in response.content.decode()
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW


def test_in_review_is_never_public(client):
    post = PostFactory(status=Post.Status.REVIEW, published_at=timezone.now() - timedelta(days=1))
    assert post.state == Post.State.IN_REVIEW
    assert not Post.objects.public().filter(pk=post.pk).exists()
    assert client.get(post.get_absolute_url()).status_code == 404


def test_author_publishes_now(client_for, author):
    post = PostFactory(author=author, draft=True)
    client = client_for(author)
    assert buttons(client.get(change_url(post))) == ["Save draft", "Publish now", "Schedule…"]
    before = timezone.now()
    response = client.post(change_url(post), form(post, _action="publish"), follow=True)
    assert "Published: readers can see it now." in response.content.decode()
    post.refresh_from_db()
    assert post.is_public and before <= post.published_at <= timezone.now()
    assert buttons(client.get(change_url(post))) == ["Update", "Unpublish"]


def test_schedule_reads_the_time_in_the_editors_zone(client_for, author):
    post = PostFactory(author=author, draft=True)
    client = client_for(author)
    client.cookies["broadsheet_tz"] = NEW_YORK
    page = client.get(change_url(post)).content.decode()
    assert "Your time zone: America/New_York" in page
    assert f'name="_tz" value="{NEW_YORK}"' in page

    response = client.post(
        change_url(post),
        form(post, _action="schedule", published_at="2099-01-01T09:00", _tz=NEW_YORK),
        follow=True,
    )
    assert "Scheduled for 2099-01-01 09:00 EST." in response.content.decode()
    post.refresh_from_db()
    assert post.published_at == datetime(2099, 1, 1, 14, 0, tzinfo=UTC)
    assert post.state == Post.State.SCHEDULED
    assert buttons(client.get(change_url(post))) == ["Update", "Publish now", "Unpublish"]


def test_the_form_is_read_in_the_zone_it_was_drawn_in(client_for, author):
    """A cookie changed meanwhile (another tab) does not shift a time typed in the form."""
    post = PostFactory(author=author, draft=True)
    client = client_for(author)
    client.cookies["broadsheet_tz"] = "Asia/Tokyo"
    client.post(
        change_url(post),
        form(post, _action="schedule", published_at="2099-07-01T09:00", _tz="Europe/Paris"),
    )
    post.refresh_from_db()
    assert post.published_at == datetime(2099, 7, 1, 7, 0, tzinfo=UTC)


def test_schedule_needs_a_future_time(client_for, author):
    post = PostFactory(author=author, draft=True)
    client = client_for(author)
    for when in ["", "2001-01-01T09:00"]:
        response = client.post(change_url(post), form(post, _action="schedule", published_at=when))
        assert response.status_code == 200
        assert "Pick a date and time in the future" in response.content.decode()
        post.refresh_from_db()
        assert post.state == Post.State.DRAFT


def test_unpublish_makes_a_draft_without_a_date(client_for, author):
    post = PostFactory(author=author)
    client_for(author).post(change_url(post), form(post, _action="unpublish"))
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT and post.published_at is None
    assert post.last_edited_by == author


def test_update_keeps_a_published_post_published_at_its_time(client_for, author):
    post = PostFactory(author=author)
    when = post.published_at
    client_for(author).post(change_url(post), form(post, title="Better title", _action="update"))
    post.refresh_from_db()
    assert (post.title, post.state, post.published_at) == ("Better title", "published", when)


def test_change_list_shows_state_and_time_with_zone(client_for, editor):
    PostFactory(title="Out now", published_at=datetime(2020, 6, 1, 12, 0, tzinfo=UTC))
    PostFactory(title="Coming", published_at=datetime(2099, 1, 1, 14, 0, tzinfo=UTC))
    PostFactory(title="Waiting", status=Post.Status.REVIEW, published_at=None)
    PostFactory(title="Old draft", draft=True)
    client = client_for(editor)
    client.cookies["broadsheet_tz"] = NEW_YORK
    html = client.get(reverse("admin:blog_post_changelist")).content.decode()
    assert '<span class="state-badge state-published">Published</span>' in html
    assert "2020-06-01 08:00 EDT" in html
    assert '<span class="state-badge state-scheduled">Scheduled</span>' in html
    assert "for 2099-01-01 09:00 EST" in html
    assert '<span class="state-badge state-review">In review</span>' in html
    assert '<span class="state-badge state-draft">Draft</span>' in html
    assert html.count("edited just now") == 2  # drafts: when edited, not a date
    Post.objects.filter(title="Old draft").update(updated_at=timezone.now() - timedelta(hours=3))
    html = client.get(reverse("admin:blog_post_changelist")).content.decode()
    assert html.count("edited just now") == 1 and "edited 3\xa0hours ago" in html


def test_admin_is_branded_with_the_site_name(client_for, editor, settings):
    html = client_for(editor).get(reverse("admin:index")).content.decode()
    assert settings.SITE_NAME in html and "Django administration" not in html
    assert "img/favicon.svg" in html and "editor/editor.js" in html


def test_writers_are_shown_by_their_names(client_for, editor):
    from tests.factories import AuthorFactory

    wren = AuthorFactory(username="w", display_name="Wren Writer")
    PostFactory(author=wren, title="Gulls", draft=True)
    client = client_for(editor)
    response = client.get(reverse("admin:blog_post_changelist"))
    html = response.content.decode()
    assert "<h1>Posts</h1>" in html and "Select post to change" not in html
    assert '<td class="field-author_name">Wren Writer</td>' in html
    assert f'href="?author__id__exact={wren.pk}"' in html and ">Wren Writer</a>" in html
    only = client.get(reverse("admin:blog_post_changelist") + f"?author__id__exact={wren.pk}")
    assert [post.title for post in only.context["cl"].result_list] == ["Gulls"]
    nobody = client.get(reverse("admin:blog_post_changelist") + "?author__id__exact=x")
    assert nobody.status_code == 200 and list(nobody.context["cl"].result_list) == []

    post = PostFactory(author=wren, draft=True)
    form_html = client.get(change_url(post)).content.decode()
    assert f'<option value="{wren.pk}" selected>Wren Writer (w)</option>' in form_html
    assert f"<strong>{escape(editor.public_name)}</strong>" in form_html  # "Welcome, …"


def test_update_leaves_the_publication_time_alone_when_the_field_was_not_touched(
    client_for, editor
):
    """The field shows minutes; an "Update" that leaves it as drawn must not cut the
    stored time to the minute (the history then said "Publish at" changed)."""
    moment = datetime(2026, 3, 1, 9, 30, 42, 123456, tzinfo=UTC)
    post = PostFactory(published_at=moment)
    client = client_for(editor)
    page = client.get(change_url(post)).content.decode()
    drawn = re.search(r'name="published_at" value="([^"]+)"', page).group(1)
    assert drawn == "2026-03-01T09:30"  # the editor's zone is UTC here
    response = client.post(
        change_url(post),
        form(post, published_at=drawn, body="Edited.", author=post.author_id, _action="update"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    post.refresh_from_db()
    assert post.body == "Edited." and post.published_at == moment
    # A time the editor did change is taken as typed.
    client.post(
        change_url(post),
        form(post, published_at="2026-03-01T10:00", author=post.author_id, _action="update"),
    )
    post.refresh_from_db()
    assert post.published_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
