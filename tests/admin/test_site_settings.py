"""The site settings page of the admin: who may change it, what it refuses and why, its
menus inline, the history it leaves, and readers seeing the change on their next request
even with every page cached."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from sitesettings.models import MenuItem, SiteSettings
from tests.factories import CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

URL = "/admin/sitesettings/sitesettings/1/change/"


def form(*items: dict, **fields) -> dict:
    """The change form's fields, with `items` as new menu items."""
    data = {
        "name": "Broadsheet",
        "description": "",
        "language": "en",
        "time_zone": "UTC",
        "accent": "",
        "logo": "",
        "icon": "",
        "social_image": "",
        "social_links": "",
        "footer_text": "",
        "menu_items-TOTAL_FORMS": str(len(items)),
        "menu_items-INITIAL_FORMS": "0",
        "menu_items-MIN_NUM_FORMS": "0",
        "menu_items-MAX_NUM_FORMS": "1000",
    } | fields
    for number, entry in enumerate(items):
        row = {"menu": "header", "position": number, "label": "", "page": "", "category": ""}
        row |= {"tag": "", "author": "", "url": ""} | entry
        data |= {f"menu_items-{number}-{key}": value for key, value in row.items()}
        data[f"menu_items-{number}-site"] = "1"
    return data


def errors(response) -> str:
    assert response.status_code == 200, "the form was accepted"
    return response.content.decode()


def test_the_list_opens_the_one_row(client_for, editor):
    response = client_for(editor).get("/admin/sitesettings/sitesettings/")
    assert response.status_code == 302 and response["Location"].endswith(URL)
    assert client_for(editor).get(URL).status_code == 200


@pytest.mark.parametrize("who", ["contributor", "author"])
def test_writers_cannot_change_the_settings(client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, form(name="Mine now")).status_code == 403
    assert SiteSettings.objects.get().name != "Mine now"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"accent": "red"}, "Enter a colour as # and six hexadecimal digits"),
        (
            {"accent": "#ffcc00"},
            "#ffcc00 is too light: links in it on the white page have a contrast of 1.5:1",
        ),
        ({"time_zone": "Mars/Olympus"}, "Mars/Olympus is not a time zone"),
        ({"language": "english please"}, "Enter a language tag such as en, fr, de-CH"),
        (
            {"social_links": "https://github.com/me\nhttp://insecure.example"},
            "Line 2 is not an https:// address",
        ),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_values_are_refused_with_a_message(client_for, editor, fields, message):
    page = errors(client_for(editor).post(URL, form(**fields)))
    assert message in page


def test_a_menu_item_needs_exactly_one_target(client_for, editor):
    category = CategoryFactory()
    client = client_for(editor)
    both = {"category": category.pk, "url": "/archive/", "label": "Two"}
    assert "Choose exactly one target" in errors(client.post(URL, form(both)))
    assert "Choose exactly one target" in errors(client.post(URL, form({"label": "None"})))
    bad_url = {"url": "javascript:alert(1)", "label": "Bad"}
    assert "Enter an address starting with https://" in errors(client.post(URL, form(bad_url)))
    unlabelled = {"url": "https://example.org/"}
    assert "A link to a URL needs a label." in errors(client.post(URL, form(unlabelled)))
    assert not MenuItem.objects.exists()


def test_an_editor_saves_settings_and_menus_readers_see_them_next_request(
    client, client_for, editor, django_capture_on_commit_callbacks
):
    category = CategoryFactory(name="Boats", slug="boats")
    PostFactory(category=category)
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"
    admin = client_for(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            URL,
            form(
                {"url": "/archive/", "label": "Archive", "position": 2},
                {"category": category.pk, "position": 1},
                name="Harbour Notes",
                accent="#7a1f3d",
            ),
        )
    assert response.status_code == 302
    admin.logout()
    page = client.get("/")
    assert page["X-Page-Cache"] == "miss"  # every cached page was retired
    text = page.content.decode()
    assert "<title>Harbour Notes</title>" in text and "--accent: #7a1f3d;" in text
    assert text.index('href="/category/boats/">Boats<') < text.index('href="/archive/">Archive<')
    # In the history, by whom, with what changed.
    entry = LogEntry.objects.get(object_id="1", action_flag=CHANGE)
    assert entry.user == editor
    assert "Name" in entry.get_change_message() or "name" in entry.get_change_message().lower()
    assert "menu item" in entry.get_change_message()


def test_the_admin_is_branded_with_the_saved_name(
    client_for, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        SiteSettings.objects.filter(pk=1).update(name="Harbour Notes")
        SiteSettings.objects.get().save()
    assert "Harbour Notes" in client_for(editor).get("/admin/").content.decode()
