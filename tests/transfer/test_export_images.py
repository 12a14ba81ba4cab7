"""Library pictures in the export and back: covers, social images and the pictures bodies
show (`![alt](image:42)`) survive export → import into an emptied site, from the old
site's media folder (`--media`) or downloaded from its URLs."""

import functools
import http.server
import io
import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from blog.models import Post
from images.models import Image
from images.services import image_create
from tests.factories import AuthorFactory, PostFactory
from tests.images import samples
from transfer.exporting import image_key
from transfer.pictures import PictureUnavailable, download_picture

pytestmark = pytest.mark.django_db


def _image(user, size, **texts) -> Image:
    upload = io.BytesIO(samples.encoded("PNG", size))
    return image_create(upload=upload, uploaded_by=user, **texts)


@pytest.fixture
def site():
    writer = AuthorFactory(username="writer")
    cover = _image(writer, (64, 48), alt_text="A quay", caption="Dawn", credit="Ann")
    inline = _image(writer, (48, 64), alt_text="A boat", caption="At sea", credit="Bo")
    social = _image(writer, (40, 40), alt_text="A card")
    unused = _image(writer, (30, 20), alt_text="Kept for later", credit="Cy")
    PostFactory(
        title="Harbour",
        author=writer,
        body=f"Intro.\n\n![A boat](image:{inline.pk})\n\nMore.",
        cover_image=cover,
        social_image=social,
    )
    PostFactory(title="Plain", author=writer, body="No pictures.")
    return {"cover": cover, "inline": inline, "social": social, "unused": unused}


def _export(path: Path) -> dict:
    call_command("export", "--output", str(path), stderr=io.StringIO())
    return json.loads(path.read_text(encoding="utf-8"))


def _empty_the_site(media_copy: Path) -> None:
    """The old site's media kept aside (as its MEDIA_ROOT would be); then no post, no
    image and no file here."""
    shutil.copytree(Path(settings.MEDIA_ROOT) / "images", media_copy / "images")
    Post.all_kinds.all().delete()
    names = list(Image.objects.values_list("file", flat=True))
    Image.objects.all().delete()
    for name in names:
        (Path(settings.MEDIA_ROOT) / name).unlink()


def _import(path: Path, *args: str) -> dict:
    out = io.StringIO()
    call_command("import_broadsheet", str(path), "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def _texts(image: Image) -> tuple[str, str, str]:
    return image.alt_text, image.caption, image.credit


def test_export_lists_the_library_and_posts_name_their_pictures(site, tmp_path):
    document = _export(tmp_path / "export.json")
    by_key = {item["key"]: item for item in document["images"]}
    assert len(by_key) == 4  # the whole library, the unused picture too
    cover = by_key[image_key(site["cover"])]
    assert cover["file"] == site["cover"].file.name
    assert cover["url"].startswith(("http://", "https://"))
    assert cover["url"].endswith(site["cover"].file.url)
    assert (cover["alt_text"], cover["caption"], cover["credit"]) == ("A quay", "Dawn", "Ann")
    assert cover["uploaded_by"] == "writer" and cover["width"] == 64
    post = next(p for p in document["posts"] if p["slug"] == "harbour")
    assert post["cover_image"] == image_key(site["cover"])
    assert post["social_image"] == image_key(site["social"])
    assert post["images"] == [image_key(site["inline"])]
    plain = next(p for p in document["posts"] if p["slug"] == "plain")
    assert plain["cover_image"] is None and plain["images"] == []


def test_pictures_come_back_from_the_media_folder_once(site, tmp_path):
    path, media = tmp_path / "export.json", tmp_path / "old-media"
    _export(path)
    _empty_the_site(media)

    summary = _import(path, "--media", str(media))

    assert summary["created"]["images"] == 4 and summary["created"]["posts"] == 2
    assert not summary["skipped"] and not summary["adjusted"], summary
    post = Post.objects.get(slug="harbour")
    assert _texts(post.cover_image) == ("A quay", "Dawn", "Ann")
    assert post.social_image.alt_text == "A card"
    inline = Image.objects.get(alt_text="A boat")
    assert _texts(inline) == ("A boat", "At sea", "Bo")
    assert f'src="{inline.url}"' in post.body_html
    assert f"image:{inline.pk})" in post.body and "<figcaption>At sea" in post.body_html
    assert Image.objects.get(alt_text="Kept for later").credit == "Cy"
    assert all((Path(settings.MEDIA_ROOT) / i.file.name).is_file() for i in Image.objects.all())

    # The same file again: nothing new, nothing changed.
    again = _import(path, "--media", str(media))
    assert again["created"] == {} and again["updated"] == {}, again
    assert again["unchanged"]["images"] == 4 and again["unchanged"]["posts"] == 2
    assert Image.objects.count() == 4 and Post.objects.count() == 2


def test_a_missing_file_is_reported_and_the_post_still_imports(site, tmp_path):
    path, media = tmp_path / "export.json", tmp_path / "old-media"
    _export(path)
    _empty_the_site(media)
    (media / site["inline"].file.name).unlink()

    summary = _import(path, "--media", str(media))

    assert summary["skipped"] == {"image: file not found": 1}
    assert summary["adjusted"] == {"body picture not imported: its alt text shown": 1}
    assert summary["created"]["images"] == 3
    post = Post.objects.get(slug="harbour")
    assert post.cover_image.alt_text == "A quay"
    assert "<img" not in post.body_html and "A boat" in post.body_html
    assert "image:0)" in post.body  # names no image: never another picture of this site


def test_a_rerun_brings_a_picture_that_was_missing(site, tmp_path):
    """Once the file is there, a re-run brings it and points the body at it."""
    path, media = tmp_path / "export.json", tmp_path / "old-media"
    _export(path)
    _empty_the_site(media)
    kept = tmp_path / "kept.png"
    shutil.move(media / site["inline"].file.name, kept)
    _import(path, "--media", str(media))
    shutil.move(kept, media / site["inline"].file.name)

    summary = _import(path, "--media", str(media))

    assert summary["created"] == {"images": 1} and summary["updated"] == {"posts": 1}
    inline = Image.objects.get(alt_text="A boat")
    assert f'src="{inline.url}"' in Post.objects.get(slug="harbour").body_html


def test_a_dry_run_leaves_no_file_behind(site, tmp_path):
    path, media = tmp_path / "export.json", tmp_path / "old-media"
    _export(path)
    _empty_the_site(media)
    files = set(Path(settings.MEDIA_ROOT).rglob("*"))  # the other tests' too

    summary = _import(path, "--media", str(media), "--dry-run")

    assert summary["created"]["images"] == 4
    assert not Image.objects.exists() and not Post.objects.exists()
    assert set(Path(settings.MEDIA_ROOT).rglob("*")) == files


def test_a_file_that_is_not_the_exported_picture_is_refused(site, tmp_path):
    path, media = tmp_path / "export.json", tmp_path / "old-media"
    _export(path)
    _empty_the_site(media)
    (media / site["cover"].file.name).write_bytes(samples.encoded("PNG", (32, 24)))

    summary = _import(path, "--media", str(media))

    assert summary["skipped"] == {"image: file differs from the export": 1}
    assert Post.objects.get(slug="harbour").cover_image is None
    assert summary["adjusted"] == {"cover picture not imported: imported without a cover": 1}


@pytest.fixture
def old_site(tmp_path):
    """A tiny web server (the old site) serving `tmp_path / "www"`; yields its origin."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_pictures_are_downloaded_from_the_old_site(site, tmp_path, old_site, settings):
    root, origin = old_site
    settings.SITE_URL = origin  # the export's URLs point at the old site
    path = tmp_path / "export.json"
    _export(path)
    _empty_the_site(root / settings.MEDIA_URL.strip("/"))
    (root / settings.MEDIA_URL.strip("/") / site["social"].file.name).unlink()

    summary = _import(path)

    assert summary["created"]["images"] == 3
    assert summary["skipped"] == {"image: download failed": 1}
    assert any("HTTP 404" in problem for problem in summary["problems"])
    post = Post.objects.get(slug="harbour")
    assert post.cover_image.alt_text == "A quay" and post.social_image is None
    inline = Image.objects.get(alt_text="A boat")
    assert f'src="{inline.url}"' in post.body_html


def test_downloads_are_bounded(old_site):
    root, origin = old_site
    (root / "big.png").write_bytes(b"x" * 2000)
    assert download_picture(f"{origin}/big.png", 2000) == b"x" * 2000
    with pytest.raises(PictureUnavailable, match=r"over|bytes") as too_large:
        download_picture(f"{origin}/big.png", 1000)
    assert too_large.value.reason == "too large"
    for address in ("file:///etc/passwd", "ftp://example.org/a.png", "image.png"):
        with pytest.raises(PictureUnavailable) as refused:
            download_picture(address, 1000)
        assert refused.value.reason == "no http(s) address"
    with pytest.raises(PictureUnavailable, match="HTTP 404"):
        download_picture(f"{origin}/missing.png", 1000)


def test_a_trickling_old_site_is_given_up_at_the_deadline(monkeypatch):
    """A server that sends a byte now and then, each within the read timeout, still
    stops the download at the deadline (and with it the import's transaction)."""
    monkeypatch.setattr("transfer.pictures.DOWNLOAD_DEADLINE", 1)

    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(40):  # 10 s at this pace, if nothing stopped it
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.25)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = time.monotonic()
    try:
        with pytest.raises(PictureUnavailable, match="too slow"):
            download_picture(f"http://127.0.0.1:{server.server_address[1]}/a.png", 10**6)
    finally:
        server.shutdown()
        server.server_close()
    assert time.monotonic() - started < 5


def test_a_picture_whose_row_is_refused_leaves_no_file(site, tmp_path):
    """The database refuses the picture's row (PostgreSQL: a NUL in its alt text; SQLite
    keeps it): the item is skipped and its file does not stay behind."""
    path, media = tmp_path / "export.json", tmp_path / "old-media"
    document = _export(path)
    _empty_the_site(media)
    for picture in document["images"]:
        picture["alt_text"] += "\x00"
    path.write_text(json.dumps(document), encoding="utf-8")
    files = set(Path(settings.MEDIA_ROOT).rglob("*"))

    summary = _import(path, "--media", str(media))

    if connection.vendor == "postgresql":
        assert summary["skipped"]["invalid item"] == 4 and not Image.objects.exists()
        assert set(Path(settings.MEDIA_ROOT).rglob("*")) == files
    else:
        assert Image.objects.count() == 4


def test_references_in_code_stay_text_and_padded_ids_are_pictures(site, tmp_path):
    """A post about Broadsheet shows `![alt](image:42)` as an example: in code it is text,
    and the round trip keeps it as written; `image:02` is picture 2, as on the page."""
    inline = site["inline"]
    body = (
        f"![A boat](image:{inline.pk:03d})\n\n"
        "```markdown\n![docs example](image:1) and ![x](image:999)\n```\n\n"
        "    ![indented](image:7)\n\n"
        "Write `![y](image:12345)` to show a picture."
    )
    PostFactory(title="Docs", author=site["cover"].uploaded_by, body=body)
    path, media = tmp_path / "export.json", tmp_path / "old-media"
    document = _export(path)
    exported = next(p for p in document["posts"] if p["slug"] == "docs")
    assert exported["images"] == [image_key(inline)]
    _empty_the_site(media)

    summary = _import(path, "--media", str(media))

    post = Post.objects.get(slug="docs")
    new = Image.objects.get(alt_text="A boat")
    assert post.body == body.replace(f"image:{inline.pk:03d}", f"image:{new.pk}", 1)
    assert f'src="{new.url}"' in post.body_html
    assert not any("body picture" in reason for reason in summary["adjusted"])
