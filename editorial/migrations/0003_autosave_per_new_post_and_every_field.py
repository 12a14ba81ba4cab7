"""Every new post keeps its own autosave (issue 29.1), and an autosave keeps every field.

The writer's one "new post" slot becomes a keyed autosave like any other: each existing
row gets a key of its own, so nothing typed is dropped. Going back keeps each writer's
newest new-post autosave only (the single slot cannot hold more).
"""

import uuid

from django.conf import settings
from django.db import migrations, models


def key_the_slots(apps, schema_editor):
    Autosave = apps.get_model("editorial", "Autosave")
    for autosave in Autosave.objects.filter(post__isnull=True, draft_key__isnull=True):
        autosave.draft_key = uuid.uuid4()
        autosave.save(update_fields=["draft_key"])


def keep_one_slot_per_writer(apps, schema_editor):
    Autosave = apps.get_model("editorial", "Autosave")
    seen = set()
    for autosave in Autosave.objects.filter(post__isnull=True).order_by("-saved_at", "-pk"):
        if autosave.user_id in seen:
            autosave.delete()
        seen.add(autosave.user_id)


class Migration(migrations.Migration):

    dependencies = [
        ('editorial', '0002_autosave_new_post_slot'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='autosave',
            name='autosave_one_new_post_per_writer',
        ),
        migrations.AddField(
            model_name='autosave',
            name='draft_key',
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='autosave',
            name='fields',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(key_the_slots, keep_one_slot_per_writer),
        migrations.AddConstraint(
            model_name='autosave',
            constraint=models.UniqueConstraint(condition=models.Q(('post__isnull', True)), fields=('user', 'draft_key'), name='autosave_one_per_new_post'),
        ),
        migrations.AddConstraint(
            model_name='autosave',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('draft_key__isnull', False), ('post__isnull', True)), models.Q(('draft_key__isnull', True), ('post__isnull', False)), _connector='OR'), name='autosave_new_post_has_a_key'),
        ),
    ]
