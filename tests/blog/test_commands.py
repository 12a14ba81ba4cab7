"""The commands `make run` calls: seed_demo, ensure_admin, and Django's createsuperuser."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from blog.models import Post

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_has_every_state():
    call_command("seed_demo", stdout=StringIO())
    counts = (Post.objects.count(), get_user_model().objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Post.objects.count(), get_user_model().objects.count()) == counts
    assert Post.objects.count() >= 30
    assert Post.objects.drafts().exists() and Post.objects.scheduled().exists()
    assert Post.objects.public().count() >= 20


def test_ensure_admin_prints_a_generated_password_once(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    password = out.getvalue().split("Password:  ")[1].split()[0]
    assert get_user_model().objects.get(username="admin").check_password(password)
    again = StringIO()
    call_command("ensure_admin", stdout=again)
    assert password not in again.getvalue()
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


def test_createsuperuser_noinput_reads_django_variables(monkeypatch, client):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "boss")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "boss@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password-42")
    call_command("createsuperuser", interactive=False, stdout=StringIO())
    response = client.post(
        "/accounts/login/", {"username": "boss", "password": "a-long-enough-password-42"}
    )
    assert response.status_code == 302
