"""A post not saved yet is autosaved too: under its form's draft key, never as a Post.

Every "Add post" form carries a random draft key; its autosave is the writer's row with
no post and that key (editorial.models.Autosave). Two tabs keep two drafts, the offer
above "Add post" lists them all, and saving or discarding one leaves the others.
"""

import json
import re
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from blog.models import Category, Post, Tag
from editorial.models import MAX_NEW_POST_DRAFTS, Autosave
from tests.admin.test_states import form
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:blog_post_add")
AUTOSAVE = reverse("admin:post_autosave_new")
DISCARD = reverse("admin:post_autosave_new_discard")
TYPED = {"title": "Harbour at dawn", "body": "Fog on the *water*.", "excerpt": "Early."}


def draft_key_of(page: str) -> str:
    """The add form's hidden draft key."""
    return re.search(r'name="_draft_key" value="([0-9a-f]{32})"', page).group(1)


def open_add_form(client) -> str:
    return draft_key_of(client.get(ADD).content.decode())


def test_add_form_autosaves_under_its_key_without_creating_a_post(client_for, contributor):
    client = client_for(contributor)
    page = client.get(ADD).content.decode()
    assert f'data-autosave-url="{AUTOSAVE}"' in page  # the script autosaves this form
    key = draft_key_of(page)

    response = client.post(AUTOSAVE, {**TYPED, "_draft_key": key})
    assert response.status_code == 200 and "when" in response.json()
    client.post(AUTOSAVE, {**TYPED, "_draft_key": key, "body": "Fog on the *water*. Gulls."})
    draft = Autosave.objects.get()  # the same draft, overwritten
    assert (draft.post, draft.user, draft.title) == (None, contributor, "Harbour at dawn")
    assert draft.draft_key.hex == key and draft.body == "Fog on the *water*. Gulls."
    assert not Post.objects.exists()  # no phantom draft behind the writer's back


def test_each_add_form_gets_its_own_key_and_a_refused_save_keeps_it(client_for, author):
    client = client_for(author)
    first, second = open_add_form(client), open_add_form(client)
    assert first != second
    refused = client.post(ADD, form(title="", _draft_key=first, _action="draft"))
    assert refused.status_code == 200  # a title is required
    assert draft_key_of(refused.content.decode()) == first


def test_two_tabs_keep_two_drafts_and_the_offer_lists_both(client_for, author):
    client = client_for(author)
    one, two = open_add_form(client), open_add_form(client)
    client.post(AUTOSAVE, {**TYPED, "_draft_key": one})
    client.post(AUTOSAVE, {"title": "", "body": "Second tab, no title yet.", "_draft_key": two})
    assert Autosave.objects.new_posts(author).count() == 2

    page = client.get(ADD).content.decode()
    assert "You have 2 unsaved new posts, autosaved and not saved yet:" in page
    assert "“Harbour at dawn”" in page and "“Second tab, no title yet.”" in page
    assert f'href="?restore_autosave={one}"' in page and f'href="?restore_autosave={two}"' in page
    assert page.count('name="draft" value="') == 2  # a Discard button for each
    assert not Post.objects.exists()
    # For the script's in-place restore: every field of each draft.
    data = json.loads(
        re.search(r'id="autosave-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert data["drafts"][one]["fields"]["body"] == ["Fog on the *water*."]
    assert set(data["drafts"]) == {one, two}


def test_restore_without_javascript_draws_that_draft_and_keeps_its_key(client_for, author):
    client = client_for(author)
    one, two = open_add_form(client), open_add_form(client)
    client.post(AUTOSAVE, {**TYPED, "_draft_key": one})
    client.post(AUTOSAVE, {"title": "Other", "body": "Other text.", "_draft_key": two})

    restored = client.get(f"{ADD}?restore_autosave={one}")
    fields = restored.context["adminform"].form
    assert (fields["title"].value(), fields["body"].value()) == ("Harbour at dawn", TYPED["body"])
    assert fields["excerpt"].value() == "Early."
    page = restored.content.decode()
    assert draft_key_of(page) == one  # further autosaves and the save are this draft's
    assert "“Other”" in page and "“Harbour at dawn”" not in page  # the others are offered
    assert client.get(f"{ADD}?restore_autosave=nonsense").status_code == 200


def test_every_field_of_the_form_is_autosaved_and_restored(client_for, editor):
    harbour = Category.objects.create(name="Harbour", slug="harbour")
    tides, fog = (
        Tag.objects.create(name="tides", slug="tides"),
        Tag.objects.create(name="fog", slug="fog"),
    )
    client = client_for(editor)
    key = open_add_form(client)
    client.post(
        AUTOSAVE,
        {
            **TYPED,
            "_draft_key": key,
            "slug": "dawn-harbour",
            "category": str(harbour.pk),
            "tags": [str(tides.pk), str(fog.pk)],
            "published_at": "2099-03-01T09:30",
            "csrfmiddlewaretoken": "not kept",
            "unknown": "not a field of the form",
        },
    )
    draft = Autosave.objects.get()
    assert draft.fields["slug"] == ["dawn-harbour"] and draft.fields["category"] == [
        str(harbour.pk)
    ]
    assert sorted(draft.fields["tags"]) == sorted([str(tides.pk), str(fog.pk)])
    assert draft.fields["published_at"] == ["2099-03-01T09:30"]
    assert "csrfmiddlewaretoken" not in draft.fields and "unknown" not in draft.fields

    restored = client.get(f"{ADD}?restore_autosave={key}").context["adminform"].form
    assert restored["slug"].value() == "dawn-harbour"
    assert str(restored["category"].value()) == str(harbour.pk)
    assert sorted(map(str, restored["tags"].value())) == sorted([str(tides.pk), str(fog.pk)])
    assert "2099-03-01T09:30" in str(restored["published_at"].value())
    # The script's restore gets the names of the chosen category and tags (autocompletes).
    page = client.get(ADD).content.decode()
    data = json.loads(
        re.search(r'id="autosave-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert data["drafts"][key]["labels"]["tags"] == {str(tides.pk): "tides", str(fog.pk): "fog"}


def test_autosaved_values_are_bounded(client_for, author):
    client = client_for(author)
    key = open_add_form(client)
    response = client.post(
        AUTOSAVE,
        {
            "_draft_key": key,
            "body": "b",
            "title": "t" * 500,
            "slug": "s" * 5000,
            "tags": [str(n) for n in range(300)],
        },
    )
    assert response.status_code == 200
    draft = Autosave.objects.get()
    assert len(draft.title) == 200 and len(draft.fields["slug"][0]) == 2000
    assert len(draft.fields["tags"]) == 100


def test_a_writer_has_a_bounded_number_of_unsaved_new_posts(client_for, author):
    Autosave.objects.bulk_create(
        Autosave(user=author, draft_key=uuid.uuid4(), body=f"Draft {n}.")
        for n in range(MAX_NEW_POST_DRAFTS)
    )
    client = client_for(author)
    response = client.post(AUTOSAVE, {**TYPED, "_draft_key": uuid.uuid4().hex})
    assert response.status_code == 400 and "save or discard some" in response.json()["error"]
    existing = Autosave.objects.first().draft_key.hex
    assert client.post(AUTOSAVE, {**TYPED, "_draft_key": existing}).status_code == 200


def test_an_autosave_without_a_draft_key_is_refused(client_for, author):
    response = client_for(author).post(AUTOSAVE, TYPED)
    assert response.status_code == 400 and "draft key" in response.json()["error"]
    assert client_for(author).post(AUTOSAVE, {**TYPED, "_draft_key": "x" * 32}).status_code == 400
    assert not Autosave.objects.exists()


def test_one_autosave_per_key_and_a_new_post_autosave_has_a_key(contributor, author):
    key = uuid.uuid4()
    Autosave.objects.create(user=contributor, draft_key=key, body="mine")
    Autosave.objects.create(user=author, draft_key=key, body="theirs, same key: no clash")
    Autosave.objects.create(user=contributor, draft_key=uuid.uuid4(), body="a second new post")
    with pytest.raises(IntegrityError), transaction.atomic():
        Autosave.objects.create(user=contributor, draft_key=key, body="the same draft twice")
    with pytest.raises(IntegrityError), transaction.atomic():
        Autosave.objects.create(user=contributor, body="no key")


def test_a_draft_of_whitespace_is_not_offered(client_for, author):
    client = client_for(author)
    client.post(
        AUTOSAVE, {"title": " ", "body": "\n", "excerpt": "", "_draft_key": open_add_form(client)}
    )
    assert "autosave-offer" not in client.get(ADD).content.decode()


def test_each_writer_sees_only_their_own_drafts(client_for, author, other_author):
    Autosave.objects.create(
        user=other_author, draft_key=uuid.uuid4(), title="Not yours", body="Secret draft."
    )
    page = client_for(author).get(ADD).content.decode()
    assert "autosave-offer" not in page and "Secret draft." not in page
    # Another's key restores nothing for me.
    theirs = Autosave.objects.get().draft_key.hex
    restored = client_for(author).get(f"{ADD}?restore_autosave={theirs}")
    assert restored.context["adminform"].form["body"].value() in (None, "")


def test_saving_a_new_post_deletes_its_own_draft_only(client_for, contributor):
    client = client_for(contributor)
    mine, other = open_add_form(client), open_add_form(client)
    client.post(AUTOSAVE, {**TYPED, "_draft_key": mine})
    client.post(AUTOSAVE, {"title": "Other tab", "body": "Still writing.", "_draft_key": other})
    response = client.post(
        ADD, form(title=TYPED["title"], body=TYPED["body"], _draft_key=mine, _action="draft")
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.body == TYPED["body"] and post.state == Post.State.DRAFT
    assert [a.title for a in Autosave.objects.all()] == ["Other tab"]
    drafts = client.get(ADD).context["new_post_drafts"]
    assert [draft["name"] for draft in drafts] == ["Other tab"]


def test_a_refused_add_keeps_the_draft(client_for, contributor):
    client = client_for(contributor)
    key = open_add_form(client)
    client.post(AUTOSAVE, {**TYPED, "_draft_key": key})
    response = client.post(ADD, form(title="", body=TYPED["body"], _draft_key=key, _action="draft"))
    assert response.status_code == 200 and not Post.objects.exists()  # title is required
    assert Autosave.objects.new_posts(contributor).filter(draft_key=key).exists()


def test_saving_an_existing_post_leaves_the_new_post_drafts(client_for, author):
    from tests.admin.test_states import change_url
    from tests.factories import PostFactory

    post = PostFactory(author=author, draft=True)
    client = client_for(author)
    client.post(AUTOSAVE, {**TYPED, "_draft_key": open_add_form(client)})
    client.post(change_url(post), form(post, body="Edited.", _action="draft"))
    assert Autosave.objects.new_posts(author).get().title == "Harbour at dawn"


def test_discard_deletes_that_draft_only(client_for, author):
    client = client_for(author)
    one, two = open_add_form(client), open_add_form(client)
    client.post(AUTOSAVE, {**TYPED, "_draft_key": one})
    client.post(AUTOSAVE, {"title": "Keep me", "body": "Kept.", "_draft_key": two})
    response = client.post(DISCARD, {"draft": one}, follow=True)
    assert response.redirect_chain[-1][0] == ADD
    assert "Unsaved draft discarded." in response.content.decode()
    assert [a.title for a in Autosave.objects.all()] == ["Keep me"]
    assert client.post(DISCARD).status_code == 400  # which one?
    assert client.get(DISCARD).status_code == 405


def test_only_writers_may_autosave_a_new_post(client_for, client):
    staff_without_role = UserFactory(username="clerk", is_staff=True)
    body = {**TYPED, "_draft_key": uuid.uuid4().hex}
    response = client_for(staff_without_role).post(AUTOSAVE, body)
    assert response.status_code == 403
    assert (
        client_for(staff_without_role).post(DISCARD, {"draft": body["_draft_key"]}).status_code
        == 403
    )
    client.logout()
    response = client.post(AUTOSAVE, body)  # not logged in: the admin's login page
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert not Autosave.objects.exists()


def test_new_post_autosave_needs_csrf(contributor):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(contributor, backend="django.contrib.auth.backends.ModelBackend")
    key = uuid.uuid4().hex
    assert strict.post(AUTOSAVE, {**TYPED, "_draft_key": key}).status_code == 403
    assert strict.post(DISCARD, {"draft": key}).status_code == 403
    assert not Autosave.objects.exists()


def test_autosave_new_only_posts(client_for, author):
    assert client_for(author).get(AUTOSAVE).status_code == 405


def test_a_late_autosave_of_text_already_saved_is_not_offered(client_for, author):
    """The script's last autosave may reach the server just after the save itself."""
    client = client_for(author)
    key = open_add_form(client)
    client.post(
        ADD, form(title=TYPED["title"], body=TYPED["body"], _draft_key=key, _action="draft")
    )
    post = Post.objects.get()
    client.post(AUTOSAVE, {**TYPED, "excerpt": "", "_draft_key": key})  # lands after the save
    assert "autosave-offer" not in client.get(ADD).content.decode()
    assert not Autosave.objects.exists()  # and the stale draft is gone

    # The same for a post that exists: an autosave equal to the stored text is no offer.
    from tests.admin.test_states import change_url

    assert post.summary and not post.excerpt  # derived on save; the written excerpt stays blank
    client.post(
        reverse("admin:post_autosave", args=[post.pk]),
        {"title": post.title, "body": post.body, "excerpt": ""},
    )
    assert "autosave-offer" not in client.get(change_url(post)).content.decode()
    client.post(
        reverse("admin:post_autosave", args=[post.pk]),
        {"title": post.title, "body": post.body + " More.", "excerpt": post.excerpt},
    )
    assert "autosave-offer" in client.get(change_url(post)).content.decode()


def test_the_page_carries_the_fields_of_the_newest_drafts_only(client_for, author):
    """Bodies may be long: the script restores the newest ten in place, the rest's links
    draw the form on the server."""
    Autosave.objects.bulk_create(
        Autosave(user=author, draft_key=uuid.uuid4(), title=f"Draft {n}", body="x" * 1000)
        for n in range(12)
    )
    page = client_for(author).get(ADD).content.decode()
    assert page.count('class="autosave-draft"') == 12
    data = re.search(r'id="autosave-data" type="application/json">(.*?)</script>', page)
    assert len(json.loads(data.group(1))["drafts"]) == 10
