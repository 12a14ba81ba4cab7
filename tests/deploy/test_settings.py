"""Production settings: `check --deploy` is clean, and missing secrets stop the start."""

import re

import pytest

from tests.deploy.conftest import ROOT, env_example, manage

REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "BROADSHEET_SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
]


def test_check_deploy_reports_no_issues_with_the_documented_environment():
    result = manage("check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("name", REQUIRED)
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_production_refuses_to_start_without(name, how):
    result = manage("check", **{name: None if how == "unset" else ""})
    assert result.returncode != 0
    assert f"Production settings need the {name} environment variable" in result.stderr


def _variables_read_by_the_code() -> set[str]:
    names = set()
    settings = [*(ROOT / "config/settings").glob("*.py"), ROOT / "gunicorn.conf.py"]
    for path in settings:
        text = path.read_text()
        names |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', text))
        names |= set(re.findall(r'_required\("([A-Z][A-Z0-9_]+)"\)', text))
        names |= set(re.findall(r'_int\("([A-Z][A-Z0-9_]+)"', text))
        names |= set(re.findall(r'environ\.get\("([A-Z][A-Z0-9_]+)"', text))
    for path in [ROOT / "docker-compose.yml", ROOT / "deploy/run.sh"]:
        names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)[:}]", path.read_text()))
    for path in (ROOT / "accounts").rglob("*.py"):
        names |= set(re.findall(r'environ\.get\("([A-Z][A-Z0-9_]+)"', path.read_text()))
    return names


def test_env_example_documents_every_variable():
    documented = set(env_example()) | set(
        re.findall(r"[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+", (ROOT / ".env.example").read_text())
    )
    missing = _variables_read_by_the_code() - documented
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_production_logs_json_and_keeps_django_logging_in_celery(production_settings):
    assert production_settings["LOGGING"]["handlers"]["stdout"]["formatter"] == "json"
    assert production_settings["CELERY_WORKER_HIJACK_ROOT_LOGGER"] is False
    database = production_settings["DATABASES"]["default"]
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["CONN_MAX_AGE"] > 0
    cache = production_settings["CACHES"]["default"]
    assert cache["BACKEND"] == "core.cache.BreakerRedisCache"  # django-redis + breaker
    assert cache["OPTIONS"]["IGNORE_EXCEPTIONS"] is True


def test_django_debug_0_alone_means_production_settings():
    """Without DJANGO_SETTINGS_MODULE, DJANGO_DEBUG=0 loads production (and its checks)."""
    result = manage("check", DJANGO_SETTINGS_MODULE=None, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=None)
    assert result.returncode != 0
    assert "Production settings need the DJANGO_SECRET_KEY environment variable" in result.stderr
    local = manage("check", DJANGO_SETTINGS_MODULE=None, DJANGO_DEBUG="1")
    assert local.returncode == 0, local.stderr


def test_env_example_sets_each_variable_once():
    names = [line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines()]
    names = [name for name in names if name and not name.startswith("#")]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


def test_production_connections_bound_statements_and_lock_waits(production_settings):
    """Issue 33: below nginx's 35 s read timeout, so a long table lock is a 503, not a 504."""
    options = production_settings["DATABASES"]["default"]["OPTIONS"]["options"]
    assert "-c statement_timeout=20s" in options and "-c lock_timeout=3s" in options
    run_sh = (ROOT / "deploy/run.sh").read_text()
    assert "DATABASE_STATEMENT_TIMEOUT=0 DATABASE_LOCK_TIMEOUT=0 python manage.py migrate" in run_sh
