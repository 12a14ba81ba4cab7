"""schemathesis 4 over real HTTP: every check, every phase, stateful links, 0 failures.

What the issue's reviewer ran, run by the suite: the `st` command line against a live
server on PostgreSQL, loading `/api/schema/`, with `--checks all` (no 5xx; status codes,
content types, headers and bodies as documented; schema-valid data accepted and
schema-invalid data refused; auth enforced; missing headers and unsupported methods
refused; no use after delete; created resources available) and its four phases
(examples, coverage, fuzzing, and stateful: chains along the schema's OpenAPI links,
create → read → change → delete). It runs as an editor with a token over every
operation (writes reach the code behind them; `ignored_auth` probes each operation
without the token, so anonymous writes are covered there) and anonymous over every
read (what any visitor gets), each in the four `PARTS` of the API below. The seed is
fixed and the example database off, so a run is repeatable. Per-check totals come from
the VCR cassette schemathesis writes and are printed at the end of the run
(`tests/conftest.py`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import requests

from tests.conftest import CI
from tests.factories import CategoryFactory, EditorFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
HOOKS = "tests.api.schemathesis_hooks"  # real images for the upload's `file` part
CONFIG = ROOT / "tests" / "api" / "schemathesis.toml"  # cases per phase, stateful steps
SEED = "20261125"
# Operations tested side by side. One by default: with threads, hypothesis' lambda
# descriptions (ast.parse) can fail on CPython 3.11 with "AST constructor recursion depth
# mismatch", a runtime error that is ours to avoid, not the API's.
WORKERS = os.environ.get("SCHEMATHESIS_WORKERS", "1")
# The budget: schemathesis.toml's under CI=true; fewer fuzzed cases per operation in the
# inner loop. Every check and every phase (stateful links included) either way.
BUDGET = [] if CI else ["--max-examples", "4"]
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# The API in parts, each run by `st` on its own (so on its own xdist worker): one run over
# every operation took five minutes of one worker at the end of `make test`. A part keeps
# a resource's operations together, so its stateful links (create -> read / change /
# delete) stay inside it; `test_every_operation_is_in_exactly_one_part` checks the parts
# cover the schema.
PARTS = {
    # A post's category is one of its fields (schemathesis infers links from categories to
    # post writes); comments are a post's (`/api/posts/{id}/comments/`) and moderated at
    # `/api/comments/`.
    "posts": r"^/api/(posts|categories|comments)/",
    "media": r"^/api/(images|webhooks)/",
    "people": r"^/api/(auth|authors|members)/",
    "site": r"^/api/(tags|pages|newsletters)/",
}


LINKS = re.compile(r"API Links:\s+(?P<covered>\d+) covered / (?P<selected>\d+) selected")
CHECK_LINE = re.compile(r"^    - name: '(?P<name>[^']+)'\n      status: '(?P<status>[A-Z]+)'", re.M)


@pytest.fixture
def seeded(live_server) -> str:
    """A category, a tag, a public post and a draft; the editor's access token."""
    editor = EditorFactory(username="schema-editor")
    category, tag = CategoryFactory(name="Seeded", slug="seeded"), TagFactory(slug="seeded")
    PostFactory(category=category, tags=[tag], author=editor)
    PostFactory(draft=True, author=editor)
    response = requests.post(
        f"{live_server.url}/api/auth/token/",
        json={"username": editor.username, "password": "correct-horse-battery"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["access"]


def run_schemathesis(base_url: str, report_dir: Path, options: list[str]) -> tuple[int, str]:
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file", str(CONFIG),
        "run",
        f"{base_url}/api/schema/?format=json",
        "--checks", "all",
        "--phases", ",".join(PHASES),
        "--seed", SEED,
        "--generation-database", "none",
        "--workers", WORKERS,
        "--request-timeout", "60",
        "--report", "json,vcr",
        "--report-dir", str(report_dir),
        "--output-truncate", "false",
        "--no-color",
        *BUDGET,
        *options,
    ]  # fmt: skip
    env = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200
    )
    return result.returncode, result.stdout + result.stderr


def check_totals(report_dir: Path) -> Counter:
    """`{(check, "SUCCESS" | "FAILURE" | …): n}` over every response of the run."""
    totals: Counter = Counter()
    for cassette in report_dir.glob("vcr-*.yaml"):
        for match in CHECK_LINE.finditer(cassette.read_text(encoding="utf-8", errors="replace")):
            totals[match["name"], match["status"]] += 1
    return totals


# The anonymous runs are in `make test`'s first pass only. On SQLite (its embedded pass)
# the editor's runs call every operation, reads included, and `ignored_auth` probes each
# one without the token; what anonymous readers may see is checked there by the API's
# visibility tests. Both anonymous and editor runs on SQLite took a quarter of that pass.
@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize(
    "who", ["editor", pytest.param("anonymous", marks=pytest.mark.not_embedded)]
)
def test_schemathesis_all_checks_all_phases_no_failures(
    who, part, live_server, seeded, tmp_path, record_property
):
    options = ["--include-path-regex", PARTS[part]]
    if who == "editor":
        options += ["--header", f"Authorization: Bearer {seeded}"]
    else:  # every read (`--include-method GET` would be a second include, OR'ed with the path)
        options += ["--exclude-method-regex", "^(POST|PUT|PATCH|DELETE)$"]
    exit_code, output = run_schemathesis(live_server.url, tmp_path, options)
    (report,) = [json.loads(path.read_text()) for path in tmp_path.glob("json-*.json")]
    totals = check_totals(tmp_path)
    # Printed at the end of the run by `tests/conftest.py` (a property, so that it
    # reaches the controller from an xdist worker).
    record_property("schemathesis", {
        "who": who,
        "part": part,
        "operations": report["operations"]["tested"],
        "cases": report["test_cases"]["generated"],
        "seconds": report["running_time"],
        "phases": {name: phase["status"] for name, phase in report["phases"].items()},
        "links": LINKS.search(output).group(0) if LINKS.search(output) else "no links",
        "checks": [[name, status, n] for (name, status), n in totals.items()],
    })  # fmt: skip

    assert exit_code == 0, output[-20000:]
    assert report["failures"] == [] and report["errors"] == [], output
    assert report["operations"]["tested"] == report["operations"]["selected"], output
    for phase in PHASES:  # examples: skipped, as the schema has no `example`s to send
        allowed = ("success", "skip") if phase == "examples" else ("success",)
        assert report["phases"][phase]["status"] in allowed, (phase, output)
    ran = {name for name, status in totals if status == "SUCCESS"}
    assert {"not_a_server_error", "status_code_conformance", "response_schema_conformance",
            "negative_data_rejection", "positive_data_acceptance"} <= ran  # fmt: skip
    assert not [key for key in totals if key[1] == "FAILURE"], totals
    if who == "editor":  # writes succeed, so stateful scenarios follow the links
        assert "use_after_free" in ran or "ensure_resource_availability" in ran, totals
        assert "ignored_auth" in ran, totals


@pytest.mark.django_db  # a read: no flush
def test_every_operation_is_in_exactly_one_part(client):
    """A new resource must be added to a part, or schemathesis would never call it."""
    schema = client.get("/api/schema/?format=json").json()
    for path in schema["paths"]:
        parts = [name for name, pattern in PARTS.items() if re.search(pattern, path)]
        assert len(parts) == 1, (path, parts)
