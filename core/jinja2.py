"""The Jinja2 environment of the readers' templates (each app's `jinja2/` folder).

Readers' pages are rendered by Jinja2, Django's other supported template backend: a page
that is not served from the page cache spent half its time in its template, and Jinja2
compiles a template to Python once instead of walking a node tree on every render
(docs/decisions/0007-speed-reader-templates-on-jinja2.md has the measurements). The
admin, e-mails and the API's docs page stay on Django templates.

What Django's template language gives every template, this environment gives as globals
and filters of the same names: `url()`, `static()`, the `date`, `pluralize`,
`linebreaksbr`, `urlencode`, `truncatechars` and `utc` filters (Django's own functions),
and `{% call cache("name", *vary_on) %}…{% endcall %}` for Django's `{% cache %}`.

Apps add their own in a `templating` module (`blog.templating`, `comments.templating`…),
found like Django finds `templatetags` and `admin` modules: it defines `GLOBALS` and
`FILTERS` dicts. `core` imports no app; the apps register themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.template import defaultfilters
from django.templatetags.static import static
from django.templatetags.tz import utc
from django.urls import reverse
from django.utils.module_loading import module_has_submodule
from django.utils.timezone import template_localtime
from jinja2 import ChainableUndefined, Environment, Template, Undefined
from markupsafe import Markup

FRAGMENT_TIMEOUT = 600


def url(viewname: str, *args: Any, **kwargs: Any) -> str:
    """Django's `{% url %}`: `url("blog:post", slug)`."""
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


def date(value: datetime | None, arg: str | None = None) -> str:
    """Django's `date` filter, in the current time zone as Django's templates show it."""
    return defaultfilters.date(template_localtime(value), arg)


def cache(fragment_name: str, *vary_on: Any, caller: Callable[[], str]) -> Markup:
    """Django's `{% cache %}`: the block rendered once and kept in the
    `template_fragments` cache under `fragment_name` and `vary_on` (Django's own key)."""
    fragments = caches["template_fragments"]
    key = make_template_fragment_key(fragment_name, vary_on)
    value = fragments.get(key)
    if value is None:
        value = str(caller())
        fragments.set(key, value, FRAGMENT_TIMEOUT)
    return Markup(value)  # noqa: S704 - our template's own output, escaped when rendered


def _app_helpers() -> tuple[dict[str, Any], dict[str, Any]]:
    """Every installed app's `templating.GLOBALS` and `templating.FILTERS`."""
    globals_: dict[str, Any] = {}
    filters: dict[str, Any] = {}
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "templating"):
            module = import_module(f"{config.name}.templating")
            globals_.update(getattr(module, "GLOBALS", {}))
            filters.update(getattr(module, "FILTERS", {}))
    return globals_, filters


def refuse_uncalled(value: Any) -> Any:
    """A method printed without `()` is an error, not `<bound method …>` on a page:
    Django's templates call what they print, Jinja2 prints what it is given."""
    if callable(value) and not isinstance(value, Undefined) and not hasattr(value, "__html__"):
        raise TypeError(f"{value!r} is printed without being called: add ()")
    return value


class SignallingTemplate(Template):
    """Sends Django's `template_rendered`, as Django's test runner makes its own templates
    do: the test client's `response.context` and `response.templates` then work for
    readers' pages too. The tests' settings turn it on (`signals`)."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        from django.test.signals import template_rendered  # tests only: not at start-up

        context = dict(*args, **kwargs)
        template_rendered.send(sender=self, template=self, context=context)
        return super().render(context)


def environment(**options: Any) -> Environment:
    """Django's Jinja2 backend calls this (settings: `TEMPLATES[0]["OPTIONS"]`).

    Undefined names render as nothing and their attributes too (`ChainableUndefined`), as
    in Django's templates: a template written for both never shows `{{ name }}`, whatever
    DEBUG is. With `strict` (the tests' settings; DEBUG by default) a method printed
    without being called fails the page; with `signals` (the tests' settings) templates
    send `template_rendered`.
    """
    options["undefined"] = ChainableUndefined
    if options.pop("strict", settings.DEBUG):
        options["finalize"] = refuse_uncalled
    signals = options.pop("signals", False)
    env = Environment(**options)  # noqa: S701 - autoescape is on: Django's backend sets it
    if signals:
        env.template_class = SignallingTemplate
    env.globals.update(url=url, static=static, cache=cache)
    env.filters.update(
        date=date,
        utc=utc,
        pluralize=defaultfilters.pluralize,
        linebreaksbr=defaultfilters.linebreaksbr,
        urlencode=defaultfilters.urlencode,
        truncatechars=defaultfilters.truncatechars,
    )
    app_globals, app_filters = _app_helpers()
    env.globals.update(app_globals)
    env.filters.update(app_filters)
    return env
