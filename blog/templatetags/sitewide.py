"""`{% sitewide %}…{% endsitewide %}`: layout markup that is the same on every page, kept
rendered.

Most of the layout (the feed and stylesheet links, the masthead, the footer) shows only
the site's name, its description and `links` (`blog.context_processors.site`): the same
for every request a process serves. Rendering those ~20 variables again on every page
was about 700 of a kept post page's 2,490 Python calls (issue 14). A block's output is
kept on its node, per value of those names (and of autoescaping): a change of settings
(a test's `override_settings`, a new script prefix) renders it anew.

What a block may show is checked when the template compiles: text, variables and
`{% if %}` that name nothing but `SITEWIDE_NAMES` (and literals). Anything else (the
user, the request, the search query, another tag) is a `TemplateSyntaxError`, so markup
that differs per visitor cannot be kept by mistake.
"""

from __future__ import annotations

from collections.abc import Iterator

from django import template
from django.template.base import FilterExpression, Node, NodeList, TextNode, VariableNode
from django.template.defaulttags import IfNode, TemplateLiteral

register = template.Library()

SITEWIDE_NAMES = frozenset({"site_name", "site_description", "links"})
KEPT_VERSIONS = 8  # values of the names kept per block (settings seldom change)


class SitewideNode(Node):
    """Renders its nodelist once per value of `SITEWIDE_NAMES` and keeps the output."""

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.kept: dict[tuple, str] = {}

    def render(self, context) -> str:
        links = context.get("links")
        key = (
            context.autoescape,
            context.get("site_name"),
            context.get("site_description"),
            tuple(links.items()) if isinstance(links, dict) else links,
        )
        try:
            return self.kept[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key: rendered, not kept
            return self.nodelist.render(context)
        html = self.nodelist.render(context)
        if len(self.kept) < KEPT_VERSIONS:
            self.kept[key] = html
        return html


@register.tag("sitewide")
def sitewide(parser, token) -> SitewideNode:
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% sitewide %} takes no arguments")
    nodelist = parser.parse(("endsitewide",))
    parser.delete_first_token()
    for problem in _problems(nodelist):
        raise template.TemplateSyntaxError(f"{{% sitewide %}} may not hold {problem}")
    return SitewideNode(nodelist)


def _problems(nodelist: NodeList) -> Iterator[str]:
    """What in `nodelist` could differ between requests, described."""
    for node in nodelist:
        if isinstance(node, TextNode):
            continue
        if isinstance(node, VariableNode):
            yield from _expression_problems(node.filter_expression)
        elif isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                if condition is not None:
                    yield from _condition_problems(condition)
                yield from _problems(branch)
        else:
            yield f"{node.token.contents if node.token else type(node).__name__!r}"


def _expression_problems(expression: FilterExpression) -> Iterator[str]:
    variables = [expression.var] + [arg for _, args in expression.filters for _, arg in args]
    for variable in variables:
        lookups = getattr(variable, "lookups", None)  # None: a literal
        if lookups is not None and lookups[0] not in SITEWIDE_NAMES:
            yield f"{variable.var!r} (only {', '.join(sorted(SITEWIDE_NAMES))})"


def _condition_problems(condition) -> Iterator[str]:
    if isinstance(condition, TemplateLiteral):
        yield from _expression_problems(condition.value)
        return
    for operand in (getattr(condition, "first", None), getattr(condition, "second", None)):
        if operand is not None:
            yield from _condition_problems(operand)
