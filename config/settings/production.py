"""Production settings (`DJANGO_SETTINGS_MODULE=config.settings.production`).

Secrets and hosts come only from the environment, with no defaults: a missing
`DJANGO_SECRET_KEY`, `DJANGO_ALLOWED_HOSTS`, `DATABASE_URL` or `REDIS_URL` stops the
process at start with a message naming the variable. With the variables in
`.env.example`, `python manage.py check --deploy` reports no issues.

TLS ends at nginx (or a load balancer in front of it), which sets `X-Forwarded-Proto`;
gunicorn must therefore be reachable only through that proxy.
"""

import copy
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, LOGGING, REST_FRAMEWORK, env
from .values import parse_origin


def _required(name: str) -> str:
    """The variable's value; stops the process with its name when unset or empty."""
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"Production settings need the {name} environment variable "
            f"(see .env.example); it is unset or empty."
        )
    return value


# --- Core -------------------------------------------------------------------------------

DEBUG = False
SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in _required("DJANGO_ALLOWED_HOSTS").split(",") if host]
# Every absolute URL (canonical, feeds, API links, e-mails) starts with it, never with the
# request's Host header; its host is always an allowed host.
SITE_URL = parse_origin(_required("BROADSHEET_SITE_URL"))
if (_site_host := urlsplit(SITE_URL).hostname) not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_site_host)
_required("DATABASE_URL")  # base.py parsed it; without it production would use SQLite
_required("REDIS_URL")  # cache and Celery broker (base.py configures both from it)


def _origin(host: str) -> str:
    return f"https://*{host}" if host.startswith(".") else f"https://{host}"


# Browsers send `Origin: https://<host>`; Django compares it with the Host header, so this
# only matters when a proxy rewrites Host. Defaults to every allowed host over HTTPS.
# nginx passes its canonical server name upstream as Host (without a non-default port), so
# the site's own origin is always trusted.
CSRF_TRUSTED_ORIGINS = [
    SITE_URL,
    *(
        env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
        or [_origin(host) for host in ALLOWED_HOSTS if host != "*"]
    ),
]

# --- HTTPS behind a proxy ---------------------------------------------------------------

# base.py already sends nosniff, Referrer-Policy, COOP, X-Frame-Options: DENY, the CSP and
# Permissions-Policy; production adds what needs HTTPS.

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes from the orchestrator talk plain HTTP to gunicorn itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# `__Host-` cookies are only accepted by browsers when Secure, Path=/ and without Domain:
# no subdomain and no plain-HTTP page can set or overwrite them.
SESSION_COOKIE_NAME = "__Host-sessionid"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = True

# nginx overwrites X-Forwarded-For with the address it saw: one proxy.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=1)
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": NUM_PROXIES}

# --- Database ---------------------------------------------------------------------------

# base.py: persistent connections (DJANGO_CONN_MAX_AGE, 60 s) with CONN_HEALTH_CHECKS.
DATABASES = copy.deepcopy(DATABASES)
if "postgresql" not in DATABASES["default"]["ENGINE"]:
    # Search, indexes, locking and connect_timeout below are PostgreSQL's.
    raise ImproperlyConfigured(
        "Production settings need PostgreSQL: DATABASE_URL must be postgres://…, not "
        f"{DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} (use config.settings.local for "
        "SQLite)."
    )
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault(
    "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
)
# Bounded waits on every connection (seconds; 0: none). A request waiting on a lock
# gives up after DATABASE_LOCK_TIMEOUT, any statement after DATABASE_STATEMENT_TIMEOUT,
# and answers 503 with Retry-After (core/database.py), well inside nginx's 35 s read
# timeout: a long table lock costs 503s (stale pages from nginx), not 504s, and never
# holds every request thread, so /healthz keeps answering. Tasks retry these
# errors like any other database error. `deploy/run.sh migrate` sets both to 0.
_STATEMENT_TIMEOUT = env.int("DATABASE_STATEMENT_TIMEOUT", default=20)
_LOCK_TIMEOUT = env.int("DATABASE_LOCK_TIMEOUT", default=3)
DATABASES["default"]["OPTIONS"].setdefault(
    "options", f"-c statement_timeout={_STATEMENT_TIMEOUT}s -c lock_timeout={_LOCK_TIMEOUT}s"
)

# --- Email ------------------------------------------------------------------------------

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

# --- Celery -----------------------------------------------------------------------------

# Keep Django's LOGGING (JSON lines on stdout) in the worker and beat too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Logging: one JSON object per line on stdout, with the request id -------------------

LOGGING = copy.deepcopy(LOGGING)
LOGGING["handlers"]["stdout"]["formatter"] = env("DJANGO_LOG_FORMAT", default="json")
