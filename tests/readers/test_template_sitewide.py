"""`{% sitewide %}` (blog/templatetags/sitewide.py): the layout's markup that is the same on
every page is rendered once and kept, renders anew when what it shows changes, and
refuses, when the template compiles, anything that could differ between visitors."""

import pytest
from django.template import Context, Engine, TemplateSyntaxError
from django.test import override_settings

from tests.factories import PostFactory


def _engine(templates: dict[str, str]) -> Engine:
    return Engine(
        loaders=[
            (
                "django.template.loaders.cached.Loader",
                [("django.template.loaders.locmem.Loader", templates)],
            )
        ],
        libraries={"sitewide": "blog.templatetags.sitewide"},
    )


LAYOUT = (
    "{% load sitewide %}<h1>{% sitewide %}<a href='{{ links.home }}'>{{ site_name }}</a>"
    "{% if site_description %}<p>{{ site_description|upper }}</p>{% endif %}"
    "{% endsitewide %}</h1>{{ query }}"
)


class CountedLinks(dict):
    """`links` that counts how often a template reads it."""

    reads = 0

    def __getitem__(self, key):
        CountedLinks.reads += 1
        return super().__getitem__(key)


def test_its_markup_is_rendered_once_and_what_is_around_it_every_time():
    page = _engine({"page.html": LAYOUT}).get_template("page.html")
    links = CountedLinks(home="/")
    CountedLinks.reads = 0
    first = page.render(
        Context({"links": links, "site_name": "Ink", "site_description": "x", "query": "a"})
    )
    second = page.render(
        Context({"links": links, "site_name": "Ink", "site_description": "x", "query": "<b>"})
    )
    assert first == "<h1><a href='/'>Ink</a><p>X</p></h1>a"
    assert second == "<h1><a href='/'>Ink</a><p>X</p></h1>&lt;b&gt;"
    assert CountedLinks.reads == 1  # the second page used the kept markup


def test_a_change_of_what_it_shows_renders_it_anew():
    page = _engine({"page.html": LAYOUT}).get_template("page.html")
    context = {"links": {"home": "/"}, "site_name": "Ink", "site_description": ""}
    assert page.render(Context(context)) == "<h1><a href='/'>Ink</a></h1>"
    renamed = context | {"site_name": "Ink & Co", "links": {"home": "/blog/"}}
    assert page.render(Context(renamed)) == "<h1><a href='/blog/'>Ink &amp; Co</a></h1>"
    unescaped = page.render(Context(renamed, autoescape=False))
    assert unescaped == "<h1><a href='/blog/'>Ink & Co</a></h1>"
    assert page.render(Context(context)) == "<h1><a href='/'>Ink</a></h1>"


@pytest.mark.parametrize(
    "inside",
    [
        "{{ user.username }}",
        "{{ request.path }}",
        "{{ site_name|default:query }}",
        "{% if user.is_authenticated %}in{% endif %}",
        "{% if site_name and not request %}x{% endif %}",
        "{% csrf_token %}",
        "{% block title %}{% endblock %}",
        "{% for link in links %}{{ link }}{% endfor %}",
    ],
)
def test_what_could_differ_between_visitors_is_refused_when_the_template_compiles(inside):
    source = "{% load sitewide %}{% sitewide %}" + inside + "{% endsitewide %}"
    engine = _engine({"page.html": source})
    with pytest.raises(TemplateSyntaxError, match="sitewide"):
        engine.get_template("page.html")


@pytest.mark.django_db
def test_the_site_layout_follows_the_settings_and_the_visitor(client, django_user_model):
    # Two posts: neither the page cache nor the kept pieces answer the second.
    first, second = PostFactory.create_batch(2)
    with override_settings(SITE_NAME="First name"):
        assert "First name</a>" in client.get(first.get_absolute_url()).content.decode()
    with override_settings(SITE_NAME="Second name"):
        html = client.get(second.get_absolute_url()).content.decode()
    assert "Second name</a>" in html and "First name" not in html
    assert "Log in</a>" in html and "Log out" not in html
    client.force_login(django_user_model.objects.create_user("reader", password="x" * 12))
    html = client.get("/search/?q=%3Cmarkdown%3E").content.decode()
    assert 'value="&lt;markdown&gt;"' in html and "Log out" in html and "Log in</a>" not in html
