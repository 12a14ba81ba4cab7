"""`{% extends %}` (blog/templatetags/extends.py) renders what Django's renders, and
finds the root layout's blocks once per compiled template instead of on every render."""

import pytest
from django.template import Context, Engine
from django.template.base import NodeList

from blog.templatetags.extends import ExtendsOnceNode

TEMPLATES = {
    "root.html": "<title>{% block title %}Site{% endblock %}</title>"
    "{% block body %}<p>root</p>{% block inner %}{% endblock %}{% endblock %}<footer/>",
    "middle.html": "{% extends 'root.html' %}{% block title %}{{ heading }} · "
    "{{ block.super }}{% endblock %}{% block inner %}<i>middle</i>{% endblock %}",
    "page.html": "{% extends 'middle.html' %}{% block inner %}{{ block.super }}"
    "{% for item in items %}<b>{{ item }}</b>{% endfor %}{% endblock %}",
    "dynamic.html": "{% extends layout %}{% block body %}dynamic{% endblock %}",
}


def _engine(ours: bool) -> Engine:
    return Engine(
        loaders=[
            (
                "django.template.loaders.cached.Loader",
                [("django.template.loaders.locmem.Loader", TEMPLATES)],
            )
        ],
        builtins=["blog.templatetags.extends"] if ours else [],
    )


@pytest.mark.parametrize("name", ["page.html", "middle.html", "dynamic.html"])
def test_it_renders_what_djangos_extends_renders(name):
    context = {"heading": "News", "items": ["a", "<b>"], "layout": "root.html"}
    ours, djangos = _engine(True), _engine(False)
    assert isinstance(ours.get_template(name).nodelist[0], ExtendsOnceNode)
    assert not isinstance(djangos.get_template(name).nodelist[0], ExtendsOnceNode)
    for _ in range(2):  # the second render uses the blocks found by the first
        expected = djangos.get_template(name).render(Context(context))
        assert ours.get_template(name).render(Context(context)) == expected
    page = ours.get_template("page.html").render(Context(context))
    assert page.startswith("<title>News · Site</title><p>root</p><i>middle</i><b>a</b>")
    assert "<b>&lt;b&gt;</b>" in page and page.endswith("<footer/>")


def test_the_root_layouts_blocks_are_found_once(monkeypatch):
    engine = _engine(True)
    page = engine.get_template("page.html")
    walks = []
    walk = NodeList.get_nodes_by_type

    def counted(nodelist, nodetype):
        walks.append(nodetype)
        return walk(nodelist, nodetype)

    monkeypatch.setattr(NodeList, "get_nodes_by_type", counted)
    page.render(Context({"items": []}))
    first = len(walks)
    page.render(Context({"items": []}))
    page.render(Context({"items": []}))
    assert first > 0 and len(walks) == first  # none after the first render
