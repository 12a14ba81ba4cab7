"""WordPress's old plain permalinks through the production nginx: its micro-cache keys on
`?page_id=` and `?p=`, so an old link is the app's 301 to its own post, never the cached
home page or another post's redirect (the app's middleware answers them before any view)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from blog.models import Post
from blog.redirects import Redirect
from tests.factories import PostFactory
from tests.nginx import Nginx, running


@pytest.fixture(scope="module")
def nginx(tmp_path_factory, live_server) -> Nginx:
    upstream = f"127.0.0.1:{urlsplit(live_server.url).port}"
    with running(tmp_path_factory.mktemp("nginx"), upstream) as server:
        yield server


@pytest.mark.django_db(transaction=True)
def test_old_page_id_and_p_links_are_each_their_own_redirect_behind_a_cached_home(nginx):
    about = PostFactory(title="About", kind=Post.Kind.PAGE)
    contact = PostFactory(title="Contact", kind=Post.Kind.PAGE)
    story = PostFactory(title="A story")
    for old_path, post in [
        ("/?page_id=7", about),
        ("/?page_id=8", contact),
        ("/blog/?p=9", story),
    ]:
        Redirect.objects.create(old_path=old_path, post=post)
    reader = requests.Session()
    reader.trust_env, reader.verify = False, nginx.ca_cert
    for _ in range(2):  # the home page, then the home page from nginx's micro-cache
        home = reader.get(nginx.url + "/", timeout=10)
    assert home.status_code == 200 and home.headers["X-Cache-Status"] == "HIT"

    for old_path, post in [
        ("/?page_id=7", about),
        ("/?page_id=8", contact),
        ("/?page_id=7&utm_source=feed", about),
        ("/blog/?p=9", story),
    ]:
        for _ in range(2):  # and again, as nginx may have kept it
            moved = reader.get(nginx.url + old_path, allow_redirects=False, timeout=10)
            assert moved.status_code == 301, (old_path, moved.headers.get("X-Cache-Status"))
            assert urlsplit(moved.headers["Location"]).path == post.get_absolute_url()
