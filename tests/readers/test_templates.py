"""The readers' templates on Jinja2 (core/jinja2.py): what Django's engine did for them
that Jinja2 does not do by itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.conf import settings
from django.template import engines
from django.utils import timezone

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def names_under(folder: str) -> set[str]:
    """Every template name our apps' `folder` folders (and the engine's DIRS) hold.
    (Django's own apps ship both kinds on purpose: ours override the admin's
    `registration/` pages.)"""
    installed = Path(django.__file__).parent.parent  # site-packages
    ours = [c for c in apps.get_app_configs() if not Path(c.path).is_relative_to(installed)]
    roots = [Path(config.path) / folder for config in ours]
    for engine in settings.TEMPLATES:
        if folder in {"templates", "jinja2"} and engine["BACKEND"].endswith(folder.title()):
            roots += [Path(d) for d in engine["DIRS"]]
    return {
        str(path.relative_to(root))
        for root in roots
        if root.is_dir()
        for path in root.rglob("*")
        if path.is_file()
    }


def test_no_template_name_is_both_a_jinja2_and_a_django_template():
    # Names are looked up in Jinja2's folders first: one in both would hide the other.
    assert names_under("jinja2") & names_under("templates") == set()
    assert "base.html" in names_under("jinja2")


def test_a_method_printed_without_being_called_fails_the_page():
    post = PostFactory()
    jinja2 = engines["jinja2"]
    with pytest.raises(TypeError, match="printed without being called"):
        jinja2.from_string("{{ post.get_absolute_url }}").render({"post": post})
    assert jinja2.from_string("{{ post.get_absolute_url() }}").render({"post": post}) == (
        post.get_absolute_url()
    )


def test_dates_show_in_the_sites_time_zone_as_djangos_templates_did():
    noon = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    template = engines["jinja2"].from_string('{{ when|date("H:i") }} {{ when|utc|date("H:i") }}')
    with timezone.override("Europe/Berlin"):
        assert template.render({"when": noon}) == "13:00 12:00"


def test_undefined_names_and_their_attributes_print_nothing():
    template = engines["jinja2"].from_string("[{{ missing }}{{ missing.attr.deeper }}]")
    assert template.render({}) == "[]"


def test_html_in_values_is_escaped_and_in_rendered_pieces_kept(client):
    post = PostFactory(title="<script>alert(1)</script> & more")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert '<article class="post">' in page  # the piece rendered once, not escaped again
