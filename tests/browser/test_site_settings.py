"""A site owner renames the site, gives it an accent colour and builds its header menu in
the admin; a reader's next visit shows it (screenshots: docs/site-owners.md)."""

import pytest

from tests.browser.shots import shoot
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import CategoryFactory, EditorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SETTINGS = "/admin/sitesettings/sitesettings/"


@pytest.fixture
def owner(db):
    return EditorFactory(username="owner", password=PASSWORD, display_name="Olive Owner")


def reader_home(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/")
    return page


def header_links(page) -> list[str]:
    return page.locator("header nav.categories a").all_inner_texts()


def test_a_new_name_and_accent_show_on_the_readers_home(browser, live_server, log_in, owner):
    PostFactory(title="Low water")
    before = reader_home(browser, live_server)  # cached by the page cache now
    assert before.locator("a.brand").inner_text() == "Broadsheet"
    before.context.close()

    page = log_in("owner")
    page.goto(live_server.url + SETTINGS)
    page.fill("#id_name", "Harbour Notes")
    page.fill("#id_description", "Boats, tides and the people between them")
    page.fill("#id_accent", "#ffcc00")
    page.click("input[name=_save]")
    assert "is too light" in page.locator(".errorlist").first.inner_text()
    page.fill("#id_accent", "#7a1f3d")
    page.fill("#id_social_links", "https://mastodon.social/@harbour\nhttps://github.com/harbour")
    shoot(page, "site-settings")
    page.click("input[name=_save]")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()

    home = reader_home(browser, live_server)
    assert home.title() == "Harbour Notes"
    assert home.locator("a.brand").inner_text() == "Harbour Notes"
    accent = home.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
    )
    assert accent == "#7a1f3d"
    assert home.locator("footer a[rel=me]").all_inner_texts() == ["Mastodon", "GitHub"]
    home.context.close()


def test_a_header_menu_built_and_reordered_in_the_admin(browser, live_server, log_in, owner):
    PostFactory(kind="page", title="About", slug="about")
    PostFactory(category=CategoryFactory(name="Boats"))
    first = reader_home(browser, live_server)
    assert header_links(first) == ["Boats", "Archive"]  # no menu yet: the busiest categories
    first.context.close()

    page = log_in("owner")
    page.goto(live_server.url + SETTINGS)
    rows = [
        ("0", {"page": "About"}, ""),
        ("1", {"category": "Boats"}, "Boat news"),
        ("2", {}, "Friends"),
    ]
    for number, (position, targets, label) in enumerate(rows):
        prefix = f"#id_menu_items-{number}-"
        page.fill(prefix + "position", position)
        page.fill(prefix + "label", label)
        for field, choice in targets.items():
            page.select_option(prefix + field, label=choice)
    page.fill("#id_menu_items-2-url", "https://example.org/friends/")
    page.click("input[name=_continue]")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()

    home = reader_home(browser, live_server)
    assert header_links(home) == ["About", "Boat news", "Friends"]
    home.context.close()

    # The link to friends goes first.
    page.fill("#id_menu_items-0-position", "5")
    page.fill("#id_menu_items-1-position", "6")
    page.fill("#id_menu_items-2-position", "1")
    page.click("input[name=_continue]")
    home = reader_home(browser, live_server)
    assert header_links(home) == ["Friends", "About", "Boat news"]
    home.context.close()

    # With the buttons: Friends one down.
    saved = page.locator("#menu_items-group tr.form-row.has_original")
    saved.nth(0).get_by_role("button", name="Move down").click()
    assert page.input_value("#id_menu_items-0-position") == "20"  # Friends, now second
    shoot(page, "site-menu-editor")
    page.click("input[name=_continue]")
    home = reader_home(browser, live_server)
    assert header_links(home) == ["About", "Friends", "Boat news"]
    home.context.close()
