"""Roles survive a database flush (transactional tests, `manage.py flush`)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command


@pytest.mark.django_db(transaction=True)
def test_roles_come_back_after_flush():
    call_command("flush", interactive=False, verbosity=0)
    editor = Group.objects.get(name="Editor")
    assert editor.permissions.filter(codename="edit_any_post").exists()
    assert Group.objects.filter(name__in=["Contributor", "Author"]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_roles_are_made_once_per_migrate_in_a_few_queries(django_assert_max_num_queries):
    """Every `migrate`, and every flush between transactional tests, makes the roles again:
    it once made them 10 times, with a query per permission (about 2,300 queries and
    1.9 s per flush)."""
    from accounts.roles import ROLE_PERMISSIONS, ensure_roles

    Group.objects.all().delete()
    # The permissions in one query, then per role its get_or_create and one add (7 with
    # their savepoints).
    with django_assert_max_num_queries(1 + 7 * len(ROLE_PERMISSIONS)):
        ensure_roles()
    assert _held() == {role: set(perms) for role, perms in ROLE_PERMISSIONS.items()}
    # It was about 2,300. Now mostly auth's and contenttypes' own receivers: ~240 on
    # PostgreSQL, ~300 on SQLite (which empties table by table); room for new models.
    with django_assert_max_num_queries(600):
        call_command("flush", interactive=False, verbosity=0)
    # Every role again, with every permission, the last app's (comments) included.
    assert _held() == {role: set(perms) for role, perms in ROLE_PERMISSIONS.items()}


def _held() -> dict[str, set[str]]:
    return {
        group.name: {
            f"{perm.content_type.app_label}.{perm.codename}" for perm in group.permissions.all()
        }
        for group in Group.objects.prefetch_related("permissions__content_type")
    }
