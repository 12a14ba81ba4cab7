"""The post admin's extension points (blog.admin.hooks): other apps add to the post editor
without replacing it, whatever the order of INSTALLED_APPS.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from blog.admin import hooks
from blog.admin.posts import PostAdmin
from blog.models import Post
from comments.post_admin import DiscussionBoxExtension
from editorial.admin import PostEditorExtension
from editorial.scheduled_admin import ScheduledUpdateExtension
from images.editor import ImageChooserExtension
from newsletters.admin import NewsletterBoxExtension
from previews.admin import PreviewLinkExtension
from tests.admin.test_states import form

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


class Stamp(hooks.PostAdminExtension):
    """A stand-in for another app's extension: a line above the form, a starting title,
    and a note of every save."""

    form_top_template = "stamp.html"
    saved: list = []

    def change_form_context(self, request, obj, add):
        return {"stamp": "a new post" if add else f"post {obj.pk}"}

    def initial_data(self, request):
        return {"title": "Started by an extension"}

    def post_saved(self, request, post, form, change):
        self.saved.append((post.pk, change, request.user.username))


@pytest.fixture
def stamp(settings, tmp_path):
    (tmp_path / "stamp.html").write_text('<p class="stamp">Stamped: {{ stamp }}</p>')
    jinja2, django = settings.TEMPLATES  # the admin's are Django templates
    settings.TEMPLATES = [jinja2, {**django, "DIRS": [*django["DIRS"], tmp_path]}]
    Stamp.saved = []
    hooks.register(Stamp)
    yield Stamp
    hooks.unregister(Stamp)


def test_the_post_admin_is_blogs_own_and_editorial_extends_it():
    model_admin = admin.site.get_model_admin(Post)
    assert type(model_admin) is PostAdmin  # never unregistered and replaced
    assert [type(e) for e in model_admin.extensions] == [
        PostEditorExtension,
        ScheduledUpdateExtension,
        ImageChooserExtension,
        PreviewLinkExtension,
        NewsletterBoxExtension,
        DiscussionBoxExtension,
    ]


def test_an_extension_registered_later_adds_to_the_editor_it_did_not_define(
    client_for, author, stamp
):
    client = client_for(author)
    page = client.get(reverse("admin:blog_post_add")).content.decode()
    assert '<p class="stamp">Stamped: a new post</p>' in page
    assert 'value="Started by an extension"' in page
    assert 'data-autosave-url="/admin/blog/post/autosave/new/"' in page  # editorial's too

    response = client.post(reverse("admin:blog_post_add"), form(title="Saved", _action="draft"))
    assert response.status_code == 302
    post = Post.objects.get(title="Saved")
    assert stamp.saved == [(post.pk, False, author.username)]
    page = client.get(reverse("admin:blog_post_change", args=[post.pk])).content.decode()
    assert f'<p class="stamp">Stamped: post {post.pk}</p>' in page


def test_only_extensions_can_be_registered():
    with pytest.raises(TypeError):
        hooks.register(object)


def test_editorial_extends_the_post_admin_whatever_the_order_of_installed_apps():
    """editorial listed before blog: the post admin is still blog's, with editorial's
    screens (its URLs included)."""
    code = """
import django
from django.conf import settings
import config.settings.test as base
names = {k: getattr(base, k) for k in dir(base) if k.isupper()}
apps = [a for a in names["INSTALLED_APPS"] if a != "editorial"]
apps.insert(apps.index("blog"), "editorial")
settings.configure(**{**names, "INSTALLED_APPS": apps})
django.setup()
from django.contrib import admin
from django.urls import reverse
from blog.admin.posts import PostAdmin
from blog.models import Post
model_admin = admin.site.get_model_admin(Post)
print(type(model_admin) is PostAdmin, [type(e).__name__ for e in model_admin.extensions])
print(reverse("admin:post_preview"), reverse("admin:post_compare", args=[1]))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == [
        "True ['PostEditorExtension', 'ScheduledUpdateExtension', 'ImageChooserExtension', "
        "'PreviewLinkExtension', 'NewsletterBoxExtension', 'DiscussionBoxExtension']",
        "/admin/blog/post/preview/ /admin/blog/post/1/revisions/compare/",
    ]
