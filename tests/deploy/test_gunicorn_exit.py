"""gunicorn.conf.py's `worker_exit`: a worker that stopped normally (a `max_requests`
recycle, a reload) ends at once, so the master forks its replacement without waiting for
Python to join threads that still sit on sockets; an abnormal exit keeps its status.

Each case runs the hook in a child process holding a thread that only ends once the
hook has returned: a normal stop must end the process without that.
"""

import subprocess
import sys

import pytest

from tests.deploy.conftest import ROOT

CHILD = """
import runpy, threading
config = runpy.run_path("gunicorn.conf.py")
release = threading.Event()
threading.Thread(target=release.wait).start()  # not a daemon: exit would join it
try:
    raise SystemExit({code})
finally:
    config["worker_exit"](None, None)
    print("hook returned", flush=True)
    release.set()
"""


def _run(code: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD.format(code=code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,  # a safety net only: each case ends on its own
    )


def test_a_worker_that_stopped_normally_ends_at_once():
    child = _run(0)
    assert child.returncode == 0
    assert "hook returned" not in child.stdout  # it never waited for the thread


@pytest.mark.parametrize("code", [1, 3])
def test_an_abnormal_exit_keeps_gunicorns_path_and_status(code):
    child = _run(code)
    assert child.returncode == code
    assert "hook returned" in child.stdout


BARE_WORKER = """
import runpy, sys
config = runpy.run_path("gunicorn.conf.py")
config["post_worker_init"](None)  # a worker of bench/bare.py: config.wsgi never loaded
print("api imported" if "api.schema_view" in sys.modules else "nothing imported")
"""


def test_a_worker_of_another_app_builds_no_api_schema():
    """bench/bare.py is served with gunicorn.conf.py: its recycled workers imported the
    whole API (0.6 s each) until `post_worker_init` looked at which app it serves."""
    child = subprocess.run(
        [sys.executable, "-c", BARE_WORKER], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "nothing imported"
