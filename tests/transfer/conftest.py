"""Fixtures for the import/export tests: the files written for them, and a command runner."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_path():
    return lambda name: str(FIXTURES / name)


@pytest.fixture
def run_import(fixture_path):
    """`run_import("import_wordpress", "wordpress.xml", "--dry-run")` → the summary dict."""

    def run(command: str, name: str, *args: str) -> dict:
        out = io.StringIO()
        path = name if name.startswith("/") else fixture_path(name)
        call_command(command, path, "--json", *args, stdout=out)
        return json.loads(out.getvalue())

    return run
