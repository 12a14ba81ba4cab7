"""The site settings' pictures: the logo in the header, the icon in the tab, and the
default share card of pages and posts without a cover."""

from __future__ import annotations

import re

import pytest

from sitesettings.models import SiteSettings
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_widths(settings):
    settings.BROADSHEET_IMAGES = {**settings.BROADSHEET_IMAGES, "WIDTHS": (160, 320, 640)}


def page(client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_logo_icon_and_default_social_image(
    client, make_image, small_widths, settings, django_capture_on_commit_callbacks
):
    logo = make_image("PNG", (400, 100), alt_text="Harbour Notes logo")
    icon = make_image("PNG", (256, 256), alt_text="Anchor")
    card = make_image("JPEG", (1200, 630), alt_text="The harbour at low water")
    covered = PostFactory(cover_image=make_image("JPEG", (800, 400), alt_text="A boat"))
    bare = PostFactory()
    with django_capture_on_commit_callbacks(execute=True):
        row = SiteSettings.objects.get()
        row.logo, row.icon, row.social_image = logo, icon, card
        row.save()
    home = page(client)
    brand = re.search(r'<a class="brand"[^>]*>(.*?)</a>', home, re.S).group(1)
    assert '<img class="logo" src="' in brand and 'alt=""' in brand  # the name follows
    assert 'width="160" height="40"' in brand
    assert re.search(r'<link rel="icon" href="[^"]+\.png" type="image/png" sizes="160x160">', home)
    origin = settings.SITE_URL
    assert f'<meta property="og:image" content="{origin}' in home
    assert '<meta property="og:image:alt" content="The harbour at low water">' in home
    # A post without a cover shares the site's card; one with a cover keeps its own.
    assert '<meta property="og:image:alt" content="The harbour at low water">' in page(
        client, bare.get_absolute_url()
    )
    own = page(client, covered.get_absolute_url())
    assert '<meta property="og:image:alt" content="A boat">' in own
    assert "The harbour at low water" not in own
    assert '"publisher"' in own and "Organization" in own  # JSON-LD names the site
