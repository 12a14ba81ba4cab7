"""Issue 26, finding 9: the login pages name the configured site, accounts with no
password yet can use "forgot password", a WXR with a DOCTYPE is refused, and the admin's
"View on site" points at BROADSHEET_SITE_URL whatever the Host header says."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.invites import writer_invite
from blog.models import Post
from sitesettings.models import SiteSettings
from tests.factories import PostFactory
from tests.transfer.conftest import FIXTURES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["login", "password_reset"])
def test_the_login_pages_name_the_configured_site_not_the_host(client, settings, name):
    SiteSettings.objects.filter(pk=1).update(name="The Harbour Gazette")
    page = client.get(reverse(f"accounts:{name}")).content.decode()
    title = page.split("<title>")[1].split("</title>")[0]
    assert "The Harbour Gazette" in title and "testserver" not in title


def test_an_invited_writer_can_use_forgot_password(client, settings):
    SiteSettings.objects.filter(pk=1).update(name="The Harbour Gazette")
    writer_invite(email="nell@example.com", username="nell", display_name="", role="Author")
    mail.outbox.clear()  # the invitation itself, if it was sent at once
    response = client.post(reverse("accounts:password_reset"), {"email": "NELL@example.com"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["nell@example.com"]
    assert "/accounts/reset/" in message.body and "The Harbour Gazette" in message.subject


def test_a_deactivated_account_still_gets_no_reset_mail(client):
    user = writer_invite(email="gone@example.com", username="gone", display_name="", role="")
    user.is_active = False
    user.save()
    mail.outbox.clear()
    client.post(reverse("accounts:password_reset"), {"email": "gone@example.com"})
    assert mail.outbox == []


def test_a_wxr_with_an_external_doctype_is_refused(tmp_path):
    source = (FIXTURES / "wordpress.xml").read_text(encoding="utf-8")
    head, rest = source.split("?>", 1)
    path = tmp_path / "doctype.xml"
    path.write_text(f'{head}?>\n<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/x.dtd">{rest}')
    with pytest.raises(CommandError, match="refused"):
        call_command("import_wordpress", str(path))
    assert not Post.objects.exists()


def test_view_on_site_points_at_the_configured_origin(client_for, editor, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://news.example.com"
    post = PostFactory(author=editor)
    url = f"/admin/r/{ContentType.objects.get_for_model(Post).pk}/{post.pk}/"
    response = client_for(editor).get(url, HTTP_HOST="attacker.example")
    assert response.status_code == 302
    assert response["Location"] == f"https://news.example.com{post.get_absolute_url()}"
