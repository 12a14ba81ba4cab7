"""DJANGO_STORAGE=s3 switches media to an S3-compatible bucket by configuration alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

SCRIPT = """
import json
from django.conf import settings
from django.core.files.storage import storages
default_storage = storages["default"]
print(json.dumps({
    "backend": type(default_storage).__module__ + "." + type(default_storage).__name__,
    "url": default_storage.url("images/abc.jpg"),
    "cache": getattr(default_storage, "object_parameters", {}).get("CacheControl", ""),
}))
"""


def storage_under(**env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_"))} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_s3_storage_by_environment_only():
    s3 = storage_under(
        DJANGO_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="broadsheet-media",
        AWS_S3_CUSTOM_DOMAIN="media.example.com",
    )
    assert s3["backend"] == "storages.backends.s3.S3Storage"
    assert s3["url"] == "https://media.example.com/images/abc.jpg"  # stable, unsigned
    assert "immutable" in s3["cache"]


def test_disk_storage_by_default():
    disk = storage_under()
    assert disk["backend"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert disk["url"] == "/media/images/abc.jpg"
