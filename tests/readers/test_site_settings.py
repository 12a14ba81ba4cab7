"""Site settings and menus as readers see them: the name, look, language and time zone
editors chose, the header and footer menus in order, targets readers cannot open left
out, and all of it read without a query once cached (sitesettings, core/sitevalues.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from blog.services import post_delete, post_update
from sitesettings.models import MenuItem, SiteSettings
from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def html(client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def header_menu(page: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="categories" aria-label="[^"]+">(.*?)</nav>', page, re.S)
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.group(1)) if nav else []


def footer_menu(page: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav aria-label="Footer">(.*?)</nav>', page, re.S)
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.group(1)) if nav else []


def save(row: SiteSettings, captured, **fields) -> None:
    with captured(execute=True):
        for name, value in fields.items():
            setattr(row, name, value)
        row.save()


def item(captured, **fields) -> MenuItem:
    with captured(execute=True):
        return MenuItem.objects.create(**fields)


def test_a_fresh_site_has_the_environments_values_and_the_busiest_categories(client, settings):
    PostFactory(category=CategoryFactory(name="Harbour"))
    page = html(client)
    assert f"<title>{settings.SITE_NAME}</title>" in page
    assert '<html lang="en">' in page
    assert header_menu(page) == [("/category/harbour/", "Harbour"), ("/archive/", "Archive")]
    row = SiteSettings.objects.get()
    assert (row.name, row.description) == (settings.SITE_NAME, settings.SITE_DESCRIPTION)


def test_saved_settings_show_on_every_page_at_once(client, django_capture_on_commit_callbacks):
    post = PostFactory()
    assert html(client)  # the home page, the post page and the feed are cached now
    html(client, post.get_absolute_url())
    save(
        SiteSettings.objects.get(),
        django_capture_on_commit_callbacks,
        name="Harbour Notes",
        description="Boats and tides",
        accent="#7a1f3d",
        language="fr",
        social_links="https://mastodon.social/@harbour\nhttps://github.com/harbour",
        footer_text="Made by the *harbour* crew. [Contact](mailto:crew@example.com)",
    )
    home = html(client)
    assert "<title>Harbour Notes</title>" in home
    assert '<p class="tagline">Boats and tides</p>' in home
    assert '<html lang="fr">' in home
    assert "--accent: #7a1f3d;" in home
    assert '<a href="https://mastodon.social/@harbour" rel="me">Mastodon</a>' in home
    assert '<a href="https://github.com/harbour" rel="me">GitHub</a>' in home
    assert "Made by the <em>harbour</em> crew." in home
    assert '<a href="mailto:crew@example.com">Contact</a>' in home
    assert "Harbour Notes" in html(client, post.get_absolute_url())
    assert "<title>Harbour Notes</title>" in html(client, "/feed/")
    # The sign-in pages too: Django's login view names a `site` of its own, and the
    # site's settings win over it (the layout is the same on every page).
    login = html(client, "/accounts/login/")
    assert '<html lang="fr">' in login and "--accent: #7a1f3d;" in login


def test_footer_text_keeps_only_simple_markup(client, django_capture_on_commit_callbacks):
    save(
        SiteSettings.objects.get(),
        django_capture_on_commit_callbacks,
        footer_text='# Big\n\n<script>alert(1)</script>\n\nSo **ok** <img src="x" onerror="y">',
    )
    footer = html(client).split('<footer class="site-footer">')[1]
    assert "<script" not in footer and "<img" not in footer and "<h1" not in footer
    assert "<strong>ok</strong>" in footer and "Big" in footer


def test_header_and_footer_menus_in_order_with_every_kind_of_target(
    client, django_capture_on_commit_callbacks
):
    about = PostFactory(kind="page", title="About us", slug="about")
    category = CategoryFactory(name="Boats", slug="boats")
    tag = TagFactory(name="Tides", slug="tides")
    writer = AuthorFactory(username="mira", display_name="Mira")
    PostFactory(category=category, tags=[tag], author=writer)
    item(
        django_capture_on_commit_callbacks,
        position=4,
        url="https://example.org/",
        label="Elsewhere",
    )
    item(django_capture_on_commit_callbacks, position=1, page=about)
    item(django_capture_on_commit_callbacks, position=2, category=category, label="All boats")
    item(django_capture_on_commit_callbacks, position=3, tag=tag)
    item(django_capture_on_commit_callbacks, position=5, author=writer)
    item(
        django_capture_on_commit_callbacks,
        menu="footer",
        position=2,
        url="/archive/",
        label="Archive",
    )
    item(django_capture_on_commit_callbacks, menu="footer", position=1, page=about, label="Imprint")
    page = html(client)
    assert header_menu(page) == [
        (about.get_absolute_url(), "About us"),
        ("/category/boats/", "All boats"),
        ("/tag/tides/", "Tides"),
        ("https://example.org/", "Elsewhere"),
        ("/author/mira/", "Mira"),
    ]
    assert footer_menu(page) == [(about.get_absolute_url(), "Imprint"), ("/archive/", "Archive")]
    # Reordered: the next request follows.
    with django_capture_on_commit_callbacks(execute=True):
        MenuItem.objects.filter(url="https://example.org/").update(position=0)
        MenuItem.objects.get(url="https://example.org/").save()
    assert header_menu(html(client))[0] == ("https://example.org/", "Elsewhere")


def test_targets_readers_cannot_open_drop_out_of_the_menu(
    client, django_capture_on_commit_callbacks
):
    about = PostFactory(kind="page", title="About", slug="about")
    draft = PostFactory(kind="page", title="Soon", slug="soon", draft=True)
    lonely_tag = TagFactory(name="Nothing public")
    drafter = AuthorFactory(username="drafter")
    PostFactory(author=drafter, tags=[lonely_tag], draft=True)
    for target in ({"page": about}, {"page": draft}, {"tag": lonely_tag}, {"author": drafter}):
        item(django_capture_on_commit_callbacks, **target)
    assert header_menu(html(client)) == [(about.get_absolute_url(), "About")]
    # The page goes back to draft: nothing left to show, so the busiest categories (none).
    with django_capture_on_commit_callbacks(execute=True):
        post_update(post=about, data={"status": "draft"}, user=None)
    assert header_menu(html(client)) == []
    # A deleted target takes its item with it.
    draft_id = draft.pk
    with django_capture_on_commit_callbacks(execute=True):
        post_delete(post=draft)
    assert not MenuItem.objects.filter(page_id=draft_id).exists()


def test_a_cached_page_with_menus_makes_no_query(
    client, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0  # built every time, from kept pieces
    about = PostFactory(kind="page", title="About", slug="about")
    category = CategoryFactory(name="Boats")
    PostFactory(category=category)
    item(django_capture_on_commit_callbacks, page=about)
    item(django_capture_on_commit_callbacks, category=category)
    item(django_capture_on_commit_callbacks, menu="footer", url="/archive/", label="Archive")
    save(SiteSettings.objects.get(), django_capture_on_commit_callbacks, name="Harbour")
    first = html(client)
    # None: the listing is kept with the comment counts' version, and the menus and
    # settings are kept too.
    with django_assert_num_queries(0):
        again = html(client)
    assert again == first and "Harbour" in again


def test_the_site_time_zone_dates_the_pages(client, django_capture_on_commit_callbacks):
    # 23:30 UTC on 31 January is already February in Tokyo.
    PostFactory(published_at=datetime(2025, 1, 31, 23, 30, tzinfo=UTC), title="Late")
    assert "/archive/2025/1/" in html(client, "/archive/")
    save(SiteSettings.objects.get(), django_capture_on_commit_callbacks, time_zone="Asia/Tokyo")
    page = html(client, "/archive/")
    assert "/archive/2025/2/" in page and "/archive/2025/1/" not in page
