"""Pictures an imported post still shows from the old site: blocked by the site's CSP
unless its owner names their host (`BROADSHEET_IMAGE_HOSTS`), so the import says so, by
host, instead of leaving readers broken pictures without a word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blog.models import Post

pytestmark = pytest.mark.django_db
GHOST = str(Path(__file__).parent / "fixtures" / "real" / "ghost-v4-export.json")


def _elsewhere(summary: dict) -> list[str]:
    return [note for note in summary["notes"] if "BROADSHEET_IMAGE_HOSTS" in note]


def test_a_real_ghost_export_names_the_host_its_pictures_stay_on(run_import):
    summary = run_import("import_ghost", GHOST)
    post = Post.objects.get()
    assert 'src="https://static.ghost.org/' in post.body_html  # kept as the source had it
    assert _elsewhere(summary) == [
        "1 post shows pictures from https://static.ghost.org, which this site's "
        "Content-Security-Policy blocks: add it to BROADSHEET_IMAGE_HOSTS to show them, or "
        "upload them to the image library (docs/import-export.md)"
    ]


def test_a_named_image_host_is_not_reported(run_import, settings):
    settings.IMAGE_HOSTS = ["https://Static.Ghost.org"]
    assert _elsewhere(run_import("import_ghost", GHOST)) == []


def test_only_pictures_on_other_hosts_are_counted_each_host_once(run_import, tmp_path):
    document = json.loads(Path(GHOST).read_text(encoding="utf-8"))
    post = document["db"][0]["data"]["posts"][0]
    post["mobiledoc"] = post["lexical"] = None
    post["html"] = (
        '<p><img src="http://testserver/media/images/ours.png" alt="ours">'
        '<img src="/content/images/relative.png" alt="relative">'
        '<img src="https://CDN.example.net/a.png" alt="a">'
        '<img src="https://cdn.example.net/b.png" alt="b"></p>'
    )
    path = tmp_path / "ghost.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    notes = _elsewhere(run_import("import_ghost", str(path)))
    assert [note.split(", which")[0] for note in notes] == [
        "1 post shows pictures from https://cdn.example.net"
    ]
