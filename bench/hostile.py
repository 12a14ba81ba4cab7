"""Worst server time and memory per request for each hostile input a writer controls.

    uv run --frozen python bench/hostile.py [--code PATH] [--only NAME ...]

Not a timed test: it prints a table. Each row is one request, made in a fresh process
(Django's test client in-process, against a throwaway SQLite database with the page cache
off), so the figures are the request's own: CPU seconds of the process and of any child
it started (user + system), and the peak resident memory of the process (or of a child,
whichever is larger), in MB. The budget (docs/images.md, blog/markdown.py) is 1 s of CPU
and 300 MB per request.

`--code PATH` runs the same requests against another checkout (say, `git archive` of the
commit before a fix, unpacked in /tmp) to give before/after figures. The hostile files
are made once, by a process of their own, so making them counts in no row.

Rows:

- gif-bomb: a 60 KB GIF whose header and first frame say 64x64 and whose second frame
  is 9000x9000, uploaded by a Contributor (POST /api/images/).
- gif-frames: the same with five 6000x6000 frames after the small one.
- avif-7000: a ~1 KB 7000x7000 AVIF (same request), when Pillow can write AVIF.
- dl-dd-api / dl-dd-preview: `"<dl><dd>" * 25000` posted to POST /api/posts/ and to the
  editor's live preview.
- refs-api: 10,000 `![](image:N)` posted to POST /api/posts/.
- refs-view: GET of a post page whose stored HTML holds 10,000 library images (as a
  post saved before the reference cap has it).

Measured on the 2-core test machine, shared and busy (5 December 2026; CPU seconds /
peak MB; "before" is the commit before the hostile-input fixes, `--code` of its archive):

    input          before                     after
    gif-bomb       201 stored, 8.01 / 1511    400, 0.51 / 204
    gif-frames     201 stored, 14.21 / 1223   400, 0.94 / 242
    avif-7000      201 stored, 6.86 / 1383    400, 0.91 / 277
    dl-dd-api      201 stored, 35.31 / 204    400, 0.22 / 205
    dl-dd-preview  200, 12.22 / 204           200 (plain text), 0.32 / 204
    refs-api       400 (over the budget on    400 (over the cap), 0.62 / 204
                   this busy machine), 0.60
    refs-view      200, 5.29 / 205            200, 0.14 / 205

Peak memory is the larger of the request's process and the decoding child; a child
started by a process counts that process's size at the fork, so ~200 MB is the Django
process itself, and the child's own use is capped at 300 MB (images/isolation.py).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CPU_GOAL, MEMORY_GOAL = 1.0, 300.0
ROWS = (
    "gif-bomb",
    "gif-frames",
    "avif-7000",
    "dl-dd-api",
    "dl-dd-preview",
    "refs-api",
    "refs-view",
)
REFS = 10_000


# Hostile files, made by the parent ----------------------------------------------------


def _avif(side: int) -> bytes | None:
    from PIL import Image, features

    if not features.check("avif"):
        return None
    out = io.BytesIO()
    Image.new("RGB", (side, side), (40, 90, 160)).save(out, format="AVIF", quality=30, speed=10)
    return out.getvalue()


def make_inputs(folder: Path) -> None:
    from tests.images.samples import gif_growing

    (folder / "gif-bomb.gif").write_bytes(gif_growing(1, 9000))
    (folder / "gif-frames.gif").write_bytes(gif_growing(5, 6000))
    avif = _avif(7000)
    if avif:
        (folder / "avif-7000.avif").write_bytes(avif)


# One request, in a child process ------------------------------------------------------


def _setup_django(tmp: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="0",
        DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3",
        DJANGO_MEDIA_ROOT=f"{tmp}/media",
        BROADSHEET_PAGE_CACHE_SECONDS="0",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()


def _user(role: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(role.lower(), f"{role.lower()}@example.com", "x")
    user.groups.add(Group.objects.get(name=role))
    user.is_staff = True
    user.save()
    return user


def _usage() -> tuple[float, float]:
    """(CPU seconds of this process and its finished children, peak MB of either)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    return cpu, max(own.ru_maxrss, kids.ru_maxrss) / 1024


def child(name: str, inputs: Path, tmp: Path) -> dict:
    _setup_django(tmp)
    from django.test import Client
    from django.urls import reverse

    from blog.models import Post

    client = Client()
    if name in ("gif-bomb", "gif-frames", "avif-7000"):
        client.force_login(_user("Contributor"))
        path = next(inputs.glob(f"{name}.*"))
        content = path.read_bytes()
        from django.core.files.uploadedfile import SimpleUploadedFile

        def request():
            upload = SimpleUploadedFile(path.name, content, "application/octet-stream")
            return client.post("/api/images/", {"file": upload, "alt_text": "hostile"})

    elif name.startswith("dl-dd"):
        client.force_login(_user("Author"))
        body = "<dl><dd>" * 25_000
        if name == "dl-dd-api":

            def request():
                data = {"title": "Nested", "body": body}
                return client.post("/api/posts/", data, content_type="application/json")

        else:

            def request():
                return client.post(reverse("admin:post_preview"), {"body": body})

    else:
        from images.models import Image

        author = _user("Author")
        client.force_login(author)
        image = Image.objects.create(
            file="images/x.png", format="PNG", width=10, height=10, size=1, alt_text="x"
        )
        body = "".join(f"![](image:{image.pk})\n" for _ in range(REFS))
        if name == "refs-api":

            def request():
                data = {"title": "Refs", "body": body}
                return client.post("/api/posts/", data, content_type="application/json")

        else:
            post = Post.objects.create(title="Refs", body="refs", author=author, status="published")
            url = f"/media/{image.file.name}"
            legacy = "".join(
                f'<p><img src="{url}" alt="" width="10" height="10"></p>\n' for _ in range(REFS)
            )
            Post.objects.filter(pk=post.pk).update(body_html=legacy)
            path = post.get_absolute_url()

            def request():
                return client.get(path)

    client.get("/healthz")  # warm up the URL conf, middleware and templates
    cpu0, _ = _usage()
    response = request()
    cpu1, peak = _usage()
    return {"name": name, "status": response.status_code, "cpu": cpu1 - cpu0, "mb": peak}


def _template_db(code: Path, tmp: Path) -> Path:
    """Migrate once; each child starts from a copy of the migrated database."""
    command = [sys.executable, str(ROOT / "bench" / "hostile.py"), "--child", "migrate"]
    subprocess.run([*command, "--tmp", str(tmp)], cwd=code, check=True, env=_env(code))  # noqa: S603
    return tmp / "db.sqlite3"


def _env(code: Path) -> dict:
    return {**os.environ, "PYTHONPATH": f"{code}{os.pathsep}{ROOT}"}


def run_row(name: str, code: Path, inputs: Path, template: Path, timeout: float) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="broadsheet-hostile-"))
    try:
        shutil.copy(template, tmp / "db.sqlite3")
        command = [sys.executable, str(ROOT / "bench" / "hostile.py"), "--child", name]
        command += ["--inputs", str(inputs), "--tmp", str(tmp)]
        try:
            done = subprocess.run(  # noqa: S603
                command, cwd=code, env=_env(code), capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return {
                "name": name,
                "status": f"killed after {timeout:.0f} s",
                "cpu": None,
                "mb": None,
            }
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
            return {"name": name, "status": f"failed: {tail[0][:60]}", "cpu": None, "mb": None}
        return json.loads(lines[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout to measure")
    parser.add_argument("--only", nargs="*", choices=ROWS, help="rows to run")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per row")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--tmp", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(Path.cwd()))
        if args.child == "inputs":
            sys.path.insert(0, str(ROOT))
            make_inputs(args.inputs)
            return 0
        if args.child == "migrate":
            _setup_django(args.tmp)
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            return 0
        print(json.dumps(child(args.child, args.inputs, args.tmp)))
        return 0
    code = args.code.resolve()
    work = Path(tempfile.mkdtemp(prefix="broadsheet-hostile-inputs-"))
    try:
        command = [sys.executable, str(ROOT / "bench" / "hostile.py"), "--child", "inputs"]
        subprocess.run([*command, "--inputs", str(work)], check=True)  # noqa: S603
        template = _template_db(code, work)
        print(f"code: {code}")
        print(f"{'input':<14} {'status':<22} {'CPU s':>7} {'peak MB':>8}  within 1 s / 300 MB")
        worst = True
        for name in args.only or ROWS:
            if name == "avif-7000" and not any(work.glob("avif-7000.*")):
                print(f"{name:<14} {'(Pillow cannot write AVIF)':<22}")
                continue
            row = run_row(name, code, work, template, args.timeout)
            ok = row["cpu"] is not None and row["cpu"] <= CPU_GOAL and row["mb"] <= MEMORY_GOAL
            worst = worst and ok
            cpu = f"{row['cpu']:.2f}" if row["cpu"] is not None else "-"
            mb = f"{row['mb']:.0f}" if row["mb"] is not None else "-"
            print(f"{name:<14} {row['status']!s:<22} {cpu:>7} {mb:>8}  {'yes' if ok else 'NO'}")
        return 0 if worst else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
