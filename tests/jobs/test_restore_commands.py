"""The restore's last steps: `make_renditions` skips a missing original instead of
crashing, and `verify_restore` names every row whose file is missing (issue 33.8)."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from images.models import Image
from tests.images.conftest import make_image  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def run(command: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_make_renditions_reports_a_missing_original_and_makes_the_rest(make_image):  # noqa: F811
    lost = make_image("JPEG", (600, 400), renditions=False)
    kept = make_image("JPEG", (600, 400), renditions=False)
    default_storage.delete(lost.file.name)

    out, err = run("make_renditions")

    assert f"image {lost.pk}: original {lost.file.name} is missing" in err
    assert f"Skipped 1 image(s) with no original: {lost.pk}" in out
    assert kept.renditions.exists() and not lost.renditions.exists()
    assert Image.objects.get(pk=kept.pk).renditions_done_at is not None


def test_verify_restore_names_every_missing_file(make_image):  # noqa: F811
    image = make_image("JPEG", (600, 400))
    out, _ = run("verify_restore")
    assert "Every image and rendition has its file." in out
    rendition = image.renditions.first()
    default_storage.delete(rendition.file.name)
    default_storage.delete(image.file.name)

    with pytest.raises(CommandError, match="2 file\\(s\\) missing"):
        call_command("verify_restore", stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert f"missing image {image.pk}: {image.file.name}" in err.getvalue()
    assert f"missing rendition {rendition.pk}: {rendition.file.name}" in err.getvalue()


def test_an_upload_owes_renditions_until_the_task_made_them(make_image):  # noqa: F811
    assert make_image("JPEG", (600, 400), renditions=False).renditions_done_at is None
    assert make_image("JPEG", (600, 400)).renditions_done_at is not None
