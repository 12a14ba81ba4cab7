"""A post's audience in its history: revisions keep and restore it, and a scheduled
update of a live post may open it to everyone (or close it to members) at a set time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Post
from blog.services import post_update
from editorial import revisions, scheduled
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db(transaction=True)  # revisions are made on commit


def test_revisions_keep_and_restore_the_audience(editor):
    post = PostFactory(author=editor, audience=Post.Audience.MEMBERS)
    post_update(post=post, data={"audience": Post.Audience.EVERYONE}, user=editor)
    newer, older = list(revisions.post_versions(post))[:2]
    assert revisions.readable(older)["audience"] == "Members only"
    assert revisions.readable(newer)["audience"] == "Everyone"
    assert "Audience" in revisions.change_summary(older.field_dict, newer.field_dict)
    revisions.revision_restore(post=Post.objects.get(pk=post.pk), version=older, user=editor)
    assert Post.objects.get(pk=post.pk).audience == Post.Audience.MEMBERS


def test_a_scheduled_update_opens_a_members_only_post_to_everyone(editor, time_machine):
    post = PostFactory(author=editor, audience=Post.Audience.MEMBERS)
    apply_at = timezone.now() + timedelta(hours=2)
    update = scheduled.scheduled_update_create(
        post=post, user=editor, data={"audience": Post.Audience.EVERYONE}, apply_at=apply_at
    )
    assert update.fields == {"audience": "everyone"}
    assert scheduled.fields_named(update.fields) == "Audience"
    assert scheduled.apply_due_updates() == []
    time_machine.move_to(apply_at + timedelta(minutes=1))
    assert len(scheduled.apply_due_updates()) == 1
    assert Post.objects.get(pk=post.pk).audience == Post.Audience.EVERYONE
