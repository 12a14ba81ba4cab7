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
