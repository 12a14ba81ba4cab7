"""A client generated from the live schema (openapi-python-client) against a live server.

What an API consumer does: generate a typed client from `/api/schema/`, then create a
post, read it conditionally (304), lose a race (412 on a stale If-Match) and handle every
error as a typed `Problem`, never as an untyped blob.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "broadsheet_generated_client"


@pytest.fixture(scope="module")
def generated(live_server, tmp_path_factory):
    """The client generated once for the module's tests: the schema is the same for both."""
    tmp_path = tmp_path_factory.mktemp("generated")
    schema = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=60)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_bytes(schema.content)
    bindir = str(Path(sys.executable).parent)  # ruff, which the generator runs on its output
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            "schema.json",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
        ],
        cwd=tmp_path,
        env={**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]


def test_generated_client_create_conditional_get_stale_patch_and_typed_errors(
    live_server, generated
):
    EditorFactory(username="generated")
    client_module = generated("client")
    auth = generated("api.auth.auth_token_create")
    posts_create = generated("api.posts.posts_create")
    posts_retrieve = generated("api.posts.posts_retrieve")
    posts_partial_update = generated("api.posts.posts_partial_update")
    models = generated("models")

    anonymous = client_module.Client(base_url=live_server.url)
    login = auth.sync_detailed(
        client=anonymous,
        body=models.TokenObtainPairRequest(username="generated", password="correct-horse-battery"),
    )
    assert login.status_code == 200, login.content
    tokens = login.parsed

    def authenticated(**headers):
        # A fresh client per header set: `with_headers` also changes the shared connection.
        return client_module.AuthenticatedClient(
            base_url=live_server.url, token=tokens.access, headers=headers
        )

    client = authenticated()

    # create
    created = posts_create.sync_detailed(
        client=client, body=models.PostRequest(title="Generated", body="From a *typed* client.")
    )
    assert created.status_code == 201
    post = created.parsed
    assert (
        isinstance(post, models.Post) and post.body_html == "<p>From a <em>typed</em> client.</p>"
    )

    # conditional GET: 304, no body
    first = posts_retrieve.sync_detailed(post.id, client=client)
    etag = first.headers["etag"]
    again = posts_retrieve.sync_detailed(post.id, client=authenticated(**{"If-None-Match": etag}))
    assert again.status_code == 304 and again.content == b"" and again.parsed is None

    # someone else changes it; our PATCH with the old ETag is refused: a typed Problem
    changed = posts_partial_update.sync_detailed(
        post.id, client=client, body=models.PatchedPostRequest(title="Theirs")
    )
    assert changed.status_code == 200
    stale = posts_partial_update.sync_detailed(
        post.id,
        client=authenticated(**{"If-Match": etag}),
        body=models.PatchedPostRequest(title="Ours"),
    )
    assert stale.status_code == 412
    # The same through the declared header parameter (issue 25.6: it was undeclared).
    declared = posts_partial_update.sync_detailed(
        post.id, client=client, body=models.PatchedPostRequest(title="Ours"), if_match=etag
    )
    assert declared.status_code == 412
    problem = stale.parsed
    assert isinstance(problem, models.Problem)
    assert (problem.status, problem.code) == (412, "precondition_failed")
    assert posts_retrieve.sync(post.id, client=client).title == "Theirs"

    # a validation error: typed, per field
    invalid = posts_create.sync_detailed(client=client, body=models.PostRequest(title="", body="x"))
    assert invalid.status_code == 400 and isinstance(invalid.parsed, models.Problem)
    assert [(e.field, e.code) for e in invalid.parsed.errors] == [("title", "blank")]

    # no token for a write: a typed 401
    refused = posts_create.sync_detailed(
        client=anonymous, body=models.PostRequest(title="T", body="b")
    )
    assert refused.status_code == 401 and refused.parsed.code == "not_authenticated"


def test_generated_client_list_filters_shapes_and_required_fields(live_server, generated):
    """Issue 25.6: openapi-python-client sends a list as `?tag=a&tag=b` (it ignored the
    schema's `explode: false`), which was a 400 for every multi-value filter; a full post
    was all-optional; a shaped one had no type of its own."""
    from tests.factories import PostFactory, TagFactory

    a, b, c = TagFactory(slug="a"), TagFactory(slug="b"), TagFactory(slug="c")
    tagged = {PostFactory(tags=[a]).pk, PostFactory(tags=[b]).pk, PostFactory(tags=[a, b]).pk}
    PostFactory(tags=[c])
    client = generated("client").Client(base_url=live_server.url)
    posts_list = generated("api.posts.posts_list")
    models = generated("models")

    page = posts_list.sync_detailed(client=client, tag=["a", "b"])
    assert page.status_code == 200, page.content
    assert {post.id for post in page.parsed.results} == tagged
    assert all(isinstance(post, models.Post) for post in page.parsed.results)
    both = posts_list.sync(client=client, tag_all=["a", "b"])
    assert len(both.results) == 1

    # A full post: every field typed and present (none is `Unset`).
    full = page.parsed.results[0]
    assert isinstance(full.title, str) and isinstance(full.tags, list)

    # Shaped: `?fields=id&fields=slug` parses as a PartialPost with only those.
    ordering = models.PostOrderingEnum("-published_at")
    fields = [models.PostFieldEnum("id"), models.PostFieldEnum("slug")]
    shaped = posts_list.sync(client=client, fields=fields, ordering=ordering, tag=["c"])
    [only] = shaped.results
    assert isinstance(only, models.PartialPost)
    assert only.to_dict().keys() == {"id", "slug"}
