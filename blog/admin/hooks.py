"""Extension points of the post admin: how another app adds to the post editor.

`blog` owns the post admin (`blog.admin.posts.PostAdmin`) and knows nothing of the apps
that add to it. An app that needs more (today `editorial`: autosave, live preview,
revisions, review notices) writes a `PostAdminExtension` subclass and registers it in
its `AppConfig.ready()`:

    class EditorialConfig(AppConfig):
        def ready(self):
            from blog.admin import hooks
            from .admin import PostEditorExtension
            hooks.register(PostEditorExtension)

`PostAdmin` asks the registered extensions at request time, never when it is defined,
so the order of `INSTALLED_APPS` does not matter, nothing is unregistered and
re-registered, and `blog` imports none of the apps that extend it (an import-linter
contract checks that). The same idea as Wagtail's hooks, as one class per app instead
of one function per hook, because an extension's views share state (the model admin).

Each extension is made for one `PostAdmin` (`self.model_admin`: its permissions,
`get_object`, `message_user`, `admin_site`) and may override any of these; the defaults
do nothing:

- `get_urls()` (from `PostAdmin.get_urls`): more views under `/admin/blog/post/` (and
  `/admin/pages/page/`: the page admin is a `PostAdmin` too), before the admin's own.
  Name them through `self.url_name("post_…")` and reverse them with `self.reverse(…)`
  (each admin its own: "post_preview", "page_preview"), the admin's own views with
  `self.admin_url("change", …)`; wrap each view in `self.model_admin.admin_site.admin_view`.
- `change_form_context(request, obj, add)` (`render_change_form`): more template context
  for the change form, as a dict.
- `form_top_template`, `after_form_template` (class attributes; the change form template
  `admin/blog/post/change_form.html`): a template included above the form's fields, and
  one after the form (outside it, so a form of its own may go there).
- `object_loaded(request, post)` (`get_object`): change the loaded post in memory, e.g.
  to draw the form with other text.
- `initial_data(request)` (`get_changeform_initial_data`): initial values of the "add
  post" form, as a dict.
- `post_saved(request, post, form, change)` (`save_model`, after the save): side effects
  of an admin save, inside the admin's transaction.
- `history_view(request, object_id, extra_context)` (`history_view`): a response that
  replaces the admin's history page, or None; the first extension that answers wins.

Extensions run in the order they were registered. An extension's views check permissions
themselves, with the model admin's `has_*_permission` (blog.permissions), as the
admin's own views do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.urls import reverse

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.forms import ModelForm
    from django.http import HttpRequest, HttpResponse
    from django.urls import URLPattern

    from blog.models import Post


class PostAdminExtension:
    """Base class of an extension of the post admin (see the module docstring)."""

    form_top_template: str | None = None
    after_form_template: str | None = None

    def __init__(self, model_admin: ModelAdmin) -> None:
        self.model_admin = model_admin

    def get_urls(self) -> list[URLPattern]:
        return []

    def url_name(self, name: str) -> str:
        """`name`, given as for posts ("post_preview"), for this extension's model admin:
        "page_preview" on the page admin, so each admin reverses to its own views."""
        model_name = self.model_admin.opts.model_name
        return name if model_name == "post" else f"{model_name}_{name.removeprefix('post_')}"

    def reverse(self, name: str, args: list | tuple | None = None) -> str:
        """The URL of this extension's view `name` (as for posts) on its model admin."""
        return reverse(f"admin:{self.url_name(name)}", args=args)

    def admin_url(self, view: str, args: list | tuple | None = None) -> str:
        """The URL of the model admin's own `view` ("change", "add", "history"…)."""
        return admin_url(self.model_admin.opts, view, args)

    def change_form_context(self, request: HttpRequest, obj: Post | None, add: bool) -> dict:
        return {}

    def object_loaded(self, request: HttpRequest, post: Post) -> None:
        return None

    def initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def post_saved(self, request: HttpRequest, post: Post, form: ModelForm, change: bool) -> None:
        return None

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None
    ) -> HttpResponse | None:
        return None


def admin_url(opts, view: str, args: list | tuple | None = None) -> str:
    """The URL of the admin's `view` for the model of `opts` (`Model._meta`)."""
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


Extension = TypeVar("Extension", bound=type[PostAdminExtension])

_registered: list[type[PostAdminExtension]] = []


def register(extension: Extension) -> Extension:
    """Add `extension` to every post admin (once, however often it is registered)."""
    if not (isinstance(extension, type) and issubclass(extension, PostAdminExtension)):
        raise TypeError(f"{extension!r} is not a PostAdminExtension subclass.")
    if extension not in _registered:
        _registered.append(extension)
    return extension


def unregister(extension: type[PostAdminExtension]) -> None:
    """Take `extension` out again (tests; an app that replaces another's extension)."""
    if extension in _registered:
        _registered.remove(extension)


def registered() -> tuple[type[PostAdminExtension], ...]:
    """The registered extension classes, in order."""
    return tuple(_registered)


def extensions_for(model_admin: ModelAdmin) -> list[PostAdminExtension]:
    """One instance of each registered extension for `model_admin` (cheap: made per call,
    so an extension registered after the admin was built is seen all the same)."""
    return [extension(model_admin) for extension in _registered]
