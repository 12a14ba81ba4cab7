"""A post not saved yet is autosaved too: into the writer's one "new post" slot, never a Post.

Typing into "Add post" and closing the tab must not lose the text, and must not leave a
phantom Draft in anyone's list either (editorial.models.Autosave with `post=None`).
"""

import json
import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from blog.models import Post
from editorial.models import Autosave
from tests.admin.test_states import form
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:blog_post_add")
AUTOSAVE = reverse("admin:post_autosave_new")
DISCARD = reverse("admin:post_autosave_new_discard")
TYPED = {"title": "Harbour at dawn", "body": "Fog on the *water*.", "excerpt": "Early."}


def test_add_form_autosaves_into_the_slot_without_creating_a_post(client_for, contributor):
    client = client_for(contributor)
    page = client.get(ADD).content.decode()
    assert f'data-autosave-url="{AUTOSAVE}"' in page  # the script autosaves this form

    response = client.post(AUTOSAVE, TYPED)
    assert response.status_code == 200 and "when" in response.json()
    client.post(AUTOSAVE, {**TYPED, "body": "Fog on the *water*. Gulls."})  # overwrites
    slot = Autosave.objects.get()
    assert (slot.post, slot.user, slot.title) == (None, contributor, "Harbour at dawn")
    assert slot.body == "Fog on the *water*. Gulls."
    assert not Post.objects.exists()  # no phantom draft behind the writer's back


def test_one_slot_per_writer(contributor, author):
    Autosave.objects.create(user=contributor, body="mine")
    Autosave.objects.create(user=author, body="theirs")
    with pytest.raises(IntegrityError), transaction.atomic():
        Autosave.objects.create(user=contributor, body="a second slot")


def test_reopening_add_post_offers_the_unsaved_draft(client_for, author):
    client = client_for(author)
    assert "autosave-offer" not in client.get(ADD).content.decode()  # nothing to offer yet
    client.post(AUTOSAVE, TYPED)

    page = client.get(ADD).content.decode()
    assert "You have an unsaved draft “Harbour at dawn”, autosaved at" in page
    assert re.search(r"Restore unsaved draft from \d{4}-\d\d-\d\d \d\d:\d\d \w+", page)
    embedded = re.search(r'id="autosave-body" type="application/json">(.*?)</script>', page)
    assert json.loads(embedded.group(1)) == "Fog on the *water*."  # for the script's restore
    assert not Post.objects.exists()

    # Without JavaScript, "Restore" draws the add form with the text (still not saved).
    restored = client.get(ADD + "?restore_autosave=1")
    fields = restored.context["adminform"].form
    assert (fields["title"].value(), fields["body"].value()) == ("Harbour at dawn", TYPED["body"])
    assert fields["excerpt"].value() == "Early."
    assert "autosave-offer" not in restored.content.decode()
    assert not Post.objects.exists()


def test_a_slot_of_whitespace_is_not_offered(client_for, author):
    client = client_for(author)
    client.post(AUTOSAVE, {"title": " ", "body": "\n", "excerpt": ""})
    assert "autosave-offer" not in client.get(ADD).content.decode()


def test_each_writer_sees_only_their_own_slot(client_for, author, other_author):
    Autosave.objects.create(user=other_author, title="Not yours", body="Secret draft.")
    page = client_for(author).get(ADD).content.decode()
    assert "autosave-offer" not in page and "Secret draft." not in page


def test_saving_the_new_post_clears_the_slot(client_for, contributor):
    client = client_for(contributor)
    client.post(AUTOSAVE, TYPED)
    response = client.post(ADD, form(title=TYPED["title"], body=TYPED["body"], _action="draft"))
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.body == TYPED["body"] and post.state == Post.State.DRAFT
    assert not Autosave.objects.exists()
    assert "autosave-offer" not in client.get(ADD).content.decode()


def test_a_refused_add_keeps_the_slot(client_for, contributor):
    client = client_for(contributor)
    client.post(AUTOSAVE, TYPED)
    response = client.post(ADD, form(title="", body=TYPED["body"], _action="draft"))
    assert response.status_code == 200 and not Post.objects.exists()  # title is required
    assert Autosave.objects.new_post_slot(contributor).exists()


def test_saving_an_existing_post_leaves_the_new_post_slot(client_for, author):
    from tests.admin.test_states import change_url
    from tests.factories import PostFactory

    post = PostFactory(author=author, draft=True)
    client = client_for(author)
    client.post(AUTOSAVE, TYPED)
    client.post(change_url(post), form(post, body="Edited.", _action="draft"))
    assert Autosave.objects.new_post_slot(author).get().title == "Harbour at dawn"


def test_discard_empties_the_slot(client_for, author):
    client = client_for(author)
    client.post(AUTOSAVE, TYPED)
    response = client.post(DISCARD, follow=True)
    assert response.redirect_chain[-1][0] == ADD
    assert "Unsaved draft discarded." in response.content.decode()
    assert not Autosave.objects.exists()
    assert client.get(DISCARD).status_code == 405


def test_only_writers_may_autosave_a_new_post(client_for, client):
    staff_without_role = UserFactory(username="clerk", is_staff=True)
    response = client_for(staff_without_role).post(AUTOSAVE, TYPED)
    assert response.status_code == 403
    assert client_for(staff_without_role).post(DISCARD).status_code == 403
    client.logout()
    response = client.post(AUTOSAVE, TYPED)  # not logged in: the admin's login page
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert not Autosave.objects.exists()


def test_new_post_autosave_needs_csrf(contributor):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(contributor, backend="django.contrib.auth.backends.ModelBackend")
    assert strict.post(AUTOSAVE, TYPED).status_code == 403
    assert strict.post(DISCARD).status_code == 403
    assert not Autosave.objects.exists()


def test_autosave_new_only_posts(client_for, author):
    assert client_for(author).get(AUTOSAVE).status_code == 405


def test_a_late_autosave_of_text_already_saved_is_not_offered(client_for, author):
    """The script's last autosave may reach the server just after the save itself."""
    client = client_for(author)
    client.post(ADD, form(title=TYPED["title"], body=TYPED["body"], _action="draft"))
    post = Post.objects.get()
    client.post(AUTOSAVE, {**TYPED, "excerpt": ""})  # lands after the save
    assert "autosave-offer" not in client.get(ADD).content.decode()
    assert not Autosave.objects.exists()  # and the stale slot is gone

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
