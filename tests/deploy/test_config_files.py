"""Dockerfile (hadolint), docker-compose.yml (docker-compose config), nginx (nginx -t)."""

import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import ROOT, production_environ
from tests.nginx import render

BIN = Path(sys.executable).parent


def test_dockerfile_passes_hadolint():
    result = subprocess.run(
        [str(BIN / "hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multi_stage_slim_non_root_with_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    stages = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert len(stages) == 2 and all("-slim" in line for line in stages)
    runtime = text.split("AS runtime", 1)[1]
    assert "uv" not in runtime.replace("/app/.venv", "")  # no build tool in the final image
    assert "USER 10001" in runtime and "HEALTHCHECK" in runtime
    assert "collectstatic" in text.split("AS runtime", 1)[0]


def _compose(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    assert shutil.which("docker-compose"), "docker-compose missing: run scripts/system-deps.sh"
    return subprocess.run(
        ["docker-compose", "--env-file", ".env.example", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env or {key: value for key, value in os.environ.items() if key == "PATH"},
    )


def test_compose_file_is_valid():
    result = _compose("config", "--quiet")
    assert result.returncode == 0, result.stderr
    services = _compose("config", "--services").stdout.split()
    assert set(services) == {
        "postgres", "redis", "migrate", "web", "worker", "webhook-worker", "beat", "nginx"
    }  # fmt: skip


def test_compose_refuses_to_run_without_the_secret():
    env = {"PATH": os.environ["PATH"], "DJANGO_SECRET_KEY": ""}
    result = _compose("config", "--quiet", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_compose_runs_each_role_through_deploy_run_sh():
    config = yaml.safe_load(_compose("config").stdout)["services"]
    roles = ("migrate", "web", "worker", "webhook-worker", "beat")
    assert {name: config[name]["command"] for name in roles} == {
        "migrate": ["migrate"],
        "web": ["web"],
        "worker": ["worker"],
        "webhook-worker": ["webhook-worker"],
        "beat": ["beat"],
    }
    web_waits_for = config["web"]["depends_on"]
    assert web_waits_for["migrate"]["condition"] == "service_completed_successfully"
    assert config["postgres"]["healthcheck"]["test"]
    assert config["beat"]["deploy"]["replicas"] == 1
    assert config["web"]["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


@pytest.mark.parametrize("variant", ["stack", "compose"])
def test_nginx_configuration_is_valid(tmp_path, variant):
    """Render the site template as stack.sh / the nginx image do, then `nginx -t`."""
    assert shutil.which("nginx"), "nginx missing: run scripts/system-deps.sh"
    render(tmp_path, "127.0.0.1:18000")
    if variant == "compose":
        # The compose main file, pointed at this directory instead of /etc/nginx/conf.d.
        main = (ROOT / "deploy/nginx/nginx.conf").read_text()
        main = main.replace("/etc/nginx/conf.d/*.conf", str(tmp_path / "broadsheet.conf"))
        main = main.replace("pid /tmp/nginx.pid", f"pid {tmp_path}/nginx.pid")
        main = main.replace("user nginx;", "")
        (tmp_path / "nginx.conf").write_text(main)
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e",
         str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        env=production_environ(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


# gunicorn.conf.py's name for each number that .env.example and docker-compose.yml set.
GUNICORN_NUMBERS = {
    "GUNICORN_THREADS": "threads",
    "GUNICORN_TIMEOUT": "timeout",
    "GUNICORN_GRACEFUL_TIMEOUT": "graceful_timeout",
    "GUNICORN_KEEPALIVE": "keepalive",
    "GUNICORN_KEEPALIVE_REQUESTS": "keepalive_requests",
    "GUNICORN_MAX_REQUESTS": "max_requests",
    "GUNICORN_MAX_REQUESTS_JITTER": "max_requests_jitter",
}


def test_gunicorn_defaults_are_the_ones_env_example_and_compose_give(monkeypatch):
    """A deployment that sets nothing runs with the values the examples show (docs/deploy.md
    names them): the three places do not drift apart when one is tuned."""
    for name in GUNICORN_NUMBERS:
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.startswith("GUNICORN_")
    )
    compose = dict(
        re.findall(r"\$\{(GUNICORN_\w+):-([^}]*)\}", (ROOT / "docker-compose.yml").read_text())
    )
    for name, setting in GUNICORN_NUMBERS.items():
        assert int(example[name]) == conf[setting], name
        if name in compose:
            assert int(compose[name]) == conf[setting], name
    assert {"GUNICORN_MAX_REQUESTS", "GUNICORN_MAX_REQUESTS_JITTER"} <= set(compose)


def test_webhook_deliveries_have_a_queue_and_workers_of_their_own(settings):
    """Issue 33: a hanging receiver must not hold the site's own work back."""
    from config.celery import app

    router = app.amqp.router
    assert router.route({}, "webhooks.tasks.deliver")["queue"].name == "webhooks"
    for site_task in ("images.make_renditions", "blog.tasks.announce_post"):
        assert router.route({}, site_task)["queue"].name == "celery"
    run_sh = (ROOT / "deploy/run.sh").read_text()
    assert "--queues celery\n" in run_sh and "--queues webhooks " in run_sh


def test_nginx_keys_its_micro_cache_on_the_query_parameters_the_cached_pages_declare():
    """One list of query parameters: the ones cached views declare (`params=` of
    `cache_anonymous_page`, collected by `pagecache.cache.query_parameters`). nginx's key must
    name exactly those, or a page read by a parameter nginx drops is served to every
    value of it (or, with an extra name, the micro-cache splits for nothing)."""
    from pagecache.cache import query_parameters

    conf = (ROOT / "deploy/nginx/broadsheet.conf.template").read_text()
    key = re.search(r'"~\^1:/\(\?!api/\)" "([^"]*)";', conf)
    assert key, "nginx's page cache key map ($broadsheet_cache_args) not found"
    keyed = dict(part.split("=", 1) for part in key.group(1).split("&"))
    assert all(value == f"$arg_{name}" for name, value in keyed.items())
    repeated = re.search(r'"~\(\^\|&\)\(([\w|]+)\)=\[\^&\]\*', conf)
    assert repeated, "nginx's map of parameters given twice ($broadsheet_args_plain) not found"
    assert set(keyed) == set(repeated.group(1).split("|")) == query_parameters()
