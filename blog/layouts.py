"""Reader pages for anonymous visitors: the layout rendered once, the page's parts filled in.

A post page built from kept pieces (`blog.fragments.post_page`) still rendered its
template on every request: the layout around the pieces, which is the same for every
anonymous visitor, was about 300 of the page's ~1,000 Python calls (issue 14).
`LayoutResponse` renders such a template once per process and per value of the site's
settings, with each of the view's *slots* (its per-page strings: a post's pieces, the
menu) replaced by a marker, and keeps the output split at the markers. A page is then
that text with the slots' values in between, escaped as the template escapes them.

It is used only for an anonymous visitor with no messages waiting (what the layout
shows such a visitor is fixed: `CONSTANTS`), and only for a template whose output is
proved, when its layout is built, to depend on nothing but its slots and those:

- every name the render looks up is a slot or a constant; a template that shows the
  request, the user's permissions or anything else is rendered as usual, every time;
- every slot is shown as it is: rendering again with other markers (plain strings,
  which the template must escape) and with every slot empty gives the kept text with
  those values in place. A slot tested by `{% if %}` or passed through a filter
  changes the output otherwise, and the template is rendered as usual.

Anything else (a logged-in reader, a preview, a template that fails the proof) renders
the template as Django does.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.template import Context
from django.template.base import FilterExpression, Node, NodeList, Template, VariableNode
from django.template.defaulttags import IfNode, TemplateLiteral
from django.template.loader import get_template
from django.template.loader_tags import ExtendsNode
from django.template.response import TemplateResponse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from .context_processors import site

logger = logging.getLogger(__name__)

# What the layout shows an anonymous visitor with no messages on a page that is not a
# search, besides the site's name, description and links (`blog.context_processors`).
ANONYMOUS = {"user": AnonymousUser(), "messages": (), "query": ""}
KEPT_LAYOUTS = 32  # per template: its slots' shapes, values of the site's settings

# A slot: a string, or a mapping of names to strings (`pieces.article`).
Slots = Mapping[str, "str | Mapping[str, str]"]
Path = tuple[str, str | None]  # (slot, key in it or None)


class NotALayout(Exception):
    """The template's output depends on something besides its slots and the constants."""


class Layout:
    """A template's output for anonymous visitors: kept text around its slots."""

    def __init__(self, texts: list[str], paths: list[Path]) -> None:
        self.texts, self.paths = texts, paths  # len(texts) == len(paths) + 1

    def fill(self, slots: Slots) -> SafeString:
        html = [self.texts[0]]
        for path, text in zip(self.paths, self.texts[1:], strict=True):
            html += (conditional_escape(_value(slots, path)), text)
        return mark_safe("".join(html))  # noqa: S308 - our template, values escaped as it does


_kept: dict[tuple, Layout | None] = {}


def visitor_sees_layout(request: HttpRequest) -> bool:
    """Whether `request` sees what `ANONYMOUS` describes: no user, no messages waiting.

    Asked the way the layout asks (`user.is_authenticated`, `{% if messages %}`), so the
    session is read (and `Vary: Cookie` set) as it would be, and no message is consumed.
    """
    return not request.user.is_authenticated and not len(get_messages(request))


def filled(template_name: str, slots: Slots) -> SafeString | None:
    """`template_name` rendered for an anonymous visitor with `slots`, from its kept
    layout; None when the template is not a layout (it is then rendered as usual)."""
    leaves = list(_leaves(slots))
    if not all(isinstance(value, str) for _, _, value in leaves):
        return None  # shown as the template would localize or format it: rendered
    # Which slots are empty is part of the layout: `{% if entries %}`.
    shape = tuple((name, key, bool(value)) for name, key, value in leaves)
    constants = site(None)
    links = constants["links"]
    key = (
        template_name,
        shape,
        constants["site_name"],
        constants["site_description"],
        tuple(links.items()),
    )
    try:
        layout = _kept[key]
    except KeyError:
        layout = _build(template_name, shape, constants | ANONYMOUS)
        if len(_kept) >= KEPT_LAYOUTS:  # settings changed often (tests): start again
            _kept.clear()
        _kept[key] = layout
    return None if layout is None else layout.fill(slots)


def _leaves(slots: Slots) -> Iterator[tuple[str, str | None, object]]:
    for name, value in slots.items():
        if isinstance(value, Mapping):
            for key, item in value.items():
                yield name, key, item
        else:
            yield name, None, value


def _build(template_name: str, shape: tuple, constants: dict) -> Layout | None:
    try:
        return layout_of(get_template(template_name).template, shape, constants)
    except NotALayout as reason:
        logger.warning("%s is rendered for every request: %s", template_name, reason)
        return None


def layout_of(template: Template, shape: tuple, constants: dict) -> Layout:
    """The layout of `template` for slots of `shape` (`(name, key or None, whether it is
    not empty)`), proved as the module docstring says; `NotALayout` saying why it is not
    one."""
    names = {name for name, _, _ in shape}
    if problem := next(_problems(template, names), None):
        raise NotALayout(problem)
    nonce = secrets.token_hex(6)
    shown = [(name, key) for name, key, full in shape if full]

    def values(mark: Callable[[str], str], tag: str) -> dict[str, Any]:
        """The slots: markers for those not empty, "" for the others."""
        found = {
            (name, key): mark(f"\x02{nonce}{tag}{index}&\x03")
            for index, (name, key) in enumerate(shown)
        }
        slots: dict[str, Any] = {}
        for name, key, _ in shape:
            value = found.get((name, key), "")
            if key is None:
                slots[name] = value
            else:
                slots.setdefault(name, {})[key] = value
        return slots

    html = _render(template, constants, values(mark_safe, "s"))
    split = re.split(f"\x02{nonce}s(\\d+)&\x03", html)
    texts, used = split[::2], [shown[int(index)] for index in split[1::2]]
    # The same markers as plain strings: the template must escape them, as it escapes
    # any string that is not marked safe (a `|safe`, `{% autoescape off %}` would not).
    plain = values(str, "p")
    expected = "".join(
        text + value
        for text, value in zip(
            texts, [*(escape(_value(plain, path)) for path in used), ""], strict=True
        )
    )
    if _render(template, constants, plain) != expected:
        raise NotALayout("a slot is not shown as it is (escaped like any string)")
    return Layout(texts, used)


def _value(values: Mapping[str, Any], path: Path) -> str:
    name, key = path
    return values[name] if key is None else values[name][key]


def _problems(template: Template, slots: set[str]) -> Iterator[str]:
    """Where `template`, or a template it extends, shows a slot otherwise than as it is
    (`{{ slot }}`, `{{ slot.key }}`) or tests it otherwise than for being empty
    (`{% if slot %}`): through a filter, in a comparison, as another tag's argument."""
    for node in template.nodelist.get_nodes_by_type(Node):
        if isinstance(node, ExtendsNode):
            parent = node.parent_name.resolve(Context())
            if isinstance(parent, str):
                yield from _problems(template.engine.get_template(parent), slots)
            else:
                yield "an {% extends %} of a variable"
        elif isinstance(node, VariableNode):
            if _names(node.filter_expression) & slots and node.filter_expression.filters:
                yield f"{{{{ {node.filter_expression.token} }}}} (a filter on a slot)"
        elif isinstance(node, IfNode):
            for condition, _ in node.conditions_nodelists:
                if isinstance(condition, TemplateLiteral) and not condition.value.filters:
                    continue  # `{% if slot %}`: which slots are empty is in the key
                if condition is not None and _condition_names(condition) & slots:
                    yield f"{{% if {node.token.contents[3:] if node.token else '…'} %}}"
        else:
            for expression in _expressions(vars(node)):
                if _names(expression) & slots:
                    yield f"{{% {node.token.contents if node.token else type(node).__name__} %}}"


def _names(expression: FilterExpression) -> set[str]:
    """The context names an expression reads: its variable's and its filters' arguments."""
    variables = [expression.var] + [arg for _, args in expression.filters for _, arg in args]
    return {v.lookups[0] for v in variables if getattr(v, "lookups", None)}


def _condition_names(condition) -> set[str]:
    if isinstance(condition, TemplateLiteral):
        return _names(condition.value)
    names: set[str] = set()
    for operand in (getattr(condition, "first", None), getattr(condition, "second", None)):
        if operand is not None:
            names |= _condition_names(operand)
    return names


def _expressions(value) -> Iterator[FilterExpression]:
    """The FilterExpressions among a node's attributes (a tag's arguments), not in its
    nodelists (those nodes are walked on their own)."""
    if isinstance(value, FilterExpression):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _expressions(item)
    elif isinstance(value, list | tuple) and not isinstance(value, NodeList):
        for item in value:
            yield from _expressions(item)


class _RecordingContext(Context):
    """A Context that notes every name a render looks up."""

    def __init__(self, values: dict) -> None:
        super().__init__(values)
        self.names: set[str] = set()

    def __getitem__(self, key):
        self.names.add(key)
        return super().__getitem__(key)

    def get(self, key, otherwise=None):
        self.names.add(key)
        return super().get(key, otherwise)

    def __contains__(self, key) -> bool:
        self.names.add(key)
        return super().__contains__(key)


def _render(template, constants: dict, slots: dict) -> str:
    context = _RecordingContext(constants | slots)
    html = template.render(context)
    if unknown := context.names - constants.keys() - slots.keys():
        raise NotALayout(f"it shows {', '.join(sorted(unknown))}")
    return html


class LayoutResponse(TemplateResponse):
    """A `TemplateResponse` filled from its template's kept layout (`filled`) when the
    visitor is anonymous with no messages; `slots` are the context's per-page strings."""

    rendering_attrs = [*TemplateResponse.rendering_attrs, "slots"]

    def __init__(self, *args, slots: Slots | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.slots = slots

    @property
    def rendered_content(self) -> str:
        names = self.template_name
        name = names if isinstance(names, str) else names[0] if len(names) == 1 else None
        if (
            self.slots is not None
            and name is not None
            and settings.KEEP_LAYOUTS
            and visitor_sees_layout(self._request)
        ):
            html = filled(name, self.slots)
            if html is not None:
                return html
        return super().rendered_content
