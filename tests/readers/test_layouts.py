"""Reader pages' layouts kept for anonymous visitors (blog/layouts.py): the pages are the
same bytes as a full render, logged-in readers and visitors with messages get the full
render, and a template whose output depends on more than its slots is never kept."""

import pytest
from django.contrib.messages import constants as levels
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.template import Engine
from django.test import RequestFactory, override_settings

from blog.layouts import NotALayout, layout_of
from tests.factories import CategoryFactory, PostFactory, UserFactory

# Every request builds its page (no page-cache hits), from pieces kept or not.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

PAGES = ["/", "/?page=2", "/posts/", "/category/{category}/", "/posts/{post}/"]


@pytest.fixture
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def site():
    """Two pages of posts in a category whose name and description need escaping."""
    category = CategoryFactory(name="Fish & <Chips>", description='"Quoted" & <b>bold</b>')
    posts = PostFactory.create_batch(12, category=category)
    posts[0].title = 'A <title> & "quotes"'
    posts[0].save()
    return {"category": category.slug, "post": posts[0].slug}


def _pages(client, site) -> dict[str, bytes]:
    return {path: client.get(path.format(**site)).content for path in PAGES}


def test_anonymous_pages_are_the_bytes_of_a_full_render(client, site):
    kept = _pages(client, site)
    again = _pages(client, site)  # from the layouts kept by the first requests
    with override_settings(KEEP_LAYOUTS=False):
        rendered = _pages(client, site)
    assert kept == again == rendered
    assert b"Fish &amp; &lt;Chips&gt;" in kept["/category/{category}/"]
    assert b"&quot;Quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;" in kept["/category/{category}/"]
    assert b"page 2" in kept["/?page=2"] and b"page 2" not in kept["/"]


def test_a_kept_layout_renders_no_template(client, site):
    for path in PAGES:
        client.get(path.format(**site))  # keeps the layouts
        assert client.get(path.format(**site)).templates == [], path
        with override_settings(KEEP_LAYOUTS=False):
            assert client.get(path.format(**site)).templates, path


def test_a_logged_in_reader_gets_the_full_page(client, site):
    client.force_login(UserFactory(username="ada"))
    for path in PAGES:
        response = client.get(path.format(**site))
        assert response.templates, path
        assert b"Log out</button>" in response.content and b"Log in</a>" not in response.content


def test_a_visitor_with_a_message_waiting_sees_it(client, site):
    for path in PAGES:
        client.get(path.format(**site))  # keeps the layouts, for visitors with none
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(levels.INFO, "Your comment <is> awaiting review.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies.update(carrier.cookies)  # as the response that added it would
    for path in PAGES:
        response = client.get(path.format(**site))
        assert b"Your comment &lt;is&gt; awaiting review." in response.content, path
        assert b"Log in</a>" in response.content
        client.cookies.update(carrier.cookies)  # shown, so consumed: waiting again


def test_a_change_of_the_sites_name_is_shown(client, site):
    client.get("/")
    with override_settings(SITE_NAME="Other & Sons"):
        assert b"<title>Other &amp; Sons</title>" in client.get("/").content
    assert b"Other &amp; Sons" not in client.get("/").content


# --- The proof, on templates of its own ---------------------------------------------

BASE = (
    "<title>{% block title %}{{ site_name }}{% endblock %}</title>"
    "{% if user.is_authenticated %}<b>{{ user }}</b>{% else %}guest{% endif %}"
    "<main>{% block content %}{% endblock %}</main>"
)
CONSTANTS = {"site_name": "Ink", "user": None}


def _layout(content: str, shape: tuple = (("heading", None, True),)):
    engine = Engine(loaders=[("django.template.loaders.locmem.Loader", {"base.html": BASE})])
    page = engine.from_string(
        "{% extends 'base.html' %}{% block content %}" + content + "{% endblock %}"
    )
    return layout_of(page, shape, CONSTANTS)


def test_the_layout_fills_slots_escaped_as_the_template_would():
    layout = _layout("<h1>{{ heading }}</h1>{{ heading }}")
    assert layout.fill({"heading": "<A & B>"}) == (
        "<title>Ink</title>guest<main><h1>&lt;A &amp; B&gt;</h1>&lt;A &amp; B&gt;</main>"
    )


def test_which_slots_are_empty_is_part_of_the_layout():
    template = "{% if heading %}<h1>{{ heading }}</h1>{% else %}none{% endif %}"
    full = _layout(template, (("heading", None, True),))
    empty = _layout(template, (("heading", None, False),))
    assert full.fill({"heading": "Fish"}).endswith("<main><h1>Fish</h1></main>")
    assert empty.fill({"heading": ""}).endswith("<main>none</main>")


@pytest.mark.parametrize(
    "content",
    [
        "{{ heading|upper }}",
        "{{ heading|truncatechars:3 }}",
        "{{ site_name|default:heading }}",
        '{% if heading == "x" %}x{% endif %}',
        "{% if not heading %}x{% endif %}",
        "{% with title=heading %}{{ title }}{% endwith %}",
        "{% autoescape off %}{{ heading }}{% endautoescape %}",
        "{{ request.path }}",
        "{% csrf_token %}",
    ],
)
def test_a_template_that_shows_more_than_its_slots_is_not_a_layout(content):
    with pytest.raises(NotALayout):
        _layout(content)
