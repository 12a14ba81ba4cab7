"""gunicorn settings: `gunicorn --config gunicorn.conf.py config.wsgi`.

Every value can be set from the environment (see `.env.example`). The WSGI app runs
under gthread workers: Django measured about four times faster here under WSGI than
under an ASGI worker. Logs (error and access) go to stdout, one JSON object per line
unless `DJANGO_LOG_FORMAT=text`, with the request id that Django echoes back.
"""

import json
import logging
import multiprocessing
import os
import sys
from collections.abc import Mapping

from gunicorn.glogging import Logger, SafeAtoms
from pythonjsonlogger.json import JsonFormatter


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # inside a container
wsgi_app = "config.wsgi:application"

# Sync code: a couple of processes per core, a few threads each to overlap I/O waits.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)  # nginx keeps upstream connections open
# Like nginx's `keepalive_requests`: a kept-alive connection is closed after this many
# requests (see `pre_request`; 100 was too many to matter, 10 rebalanced). 0: never.
keepalive_requests = _int("GUNICORN_KEEPALIVE_REQUESTS", 10)
# Recycle workers now and then (memory growth); jitter so they do not restart together.
# A recycle costs the worker ~150 ms (fork, then `post_worker_init`'s warm-up): every
# 2,000 requests that was ~75 us a request at full load, more than a page-cache hit's own
# work (~60 us): bench/run.sh's post page-cache hit ran at ~2,500 req/s, ~3,500 unrecycled.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1000)
# Import the app before forking: faster worker starts, copy-on-write memory.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# nginx (on loopback or the compose network) passes X-Forwarded-*; Django trusts only
# X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None  # /dev/shm in Docker
pidfile = os.environ.get("GUNICORN_PIDFILE") or None
# `gunicornc` talks to the master here; unset, gunicorn picks a path shared by every
# gunicorn of the user ($XDG_RUNTIME_DIR or ~/.gunicorn/), so scripts/stack.sh gives each
# stack its own.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
proc_name = "broadsheet"


def pre_request(worker, req) -> None:
    """Close a kept-alive connection after `keepalive_requests` requests on it.

    A connection stays with the worker that accepted it. When a worker is recycled
    (`max_requests`), the clients it had (nginx's upstream pool, a load generator)
    reconnect to the workers still running, and its replacement starts with none: one
    worker then served everything until the next recycle moved it all again. bench/run.sh
    measured it (2 workers, `max_requests` 2000, wrk's 32 connections): the bare-Django
    reference at ~2,200 req/s with recycling against ~5,000 without, and ~3,800 when a
    connection ends every 10 requests; Broadsheet's post page ~750, ~1,150 and ~1,050.
    A connection that ends now and then lets the kernel spread them over every worker.
    """
    if keepalive_requests and req.req_number % keepalive_requests == 0:
        req.must_close = True


def _warm_up_wanted() -> bool:
    """Broadsheet's own app (bench/bare.py, served with this file, has nothing to warm),
    unless BROADSHEET_WARMUP=0."""
    return "config.wsgi" in sys.modules and os.environ.get("BROADSHEET_WARMUP", "1") != "0"


def when_ready(server) -> None:
    """Warm the app in the master before the workers fork (`preload_app`), so every
    worker, recycled ones too, starts with templates compiled, the URL map built and the
    API schema made (core/warmup.py)."""
    if server.cfg.preload_app and _warm_up_wanted():
        from core.warmup import warm

        warm(server.app.wsgi())


def post_worker_init(worker) -> None:
    """Connect every request thread before this worker takes traffic (core/warmup.py);
    without `preload_app`, warm the worker's own app first.

    The worker accepts no connection before this returns; the other workers take them
    meanwhile.
    """
    if not _warm_up_wanted():
        return
    from core.warmup import connect_threads, warm

    if not worker.cfg.preload_app:
        warm(worker.wsgi)
    executor = getattr(worker, "tpool", None)  # gthread's request threads
    if executor is not None:
        connect_threads(executor, worker.cfg.threads, worker.wsgi)


def worker_exit(server, worker) -> None:
    """A worker that stopped normally leaves at once: its replacement starts sooner.

    gunicorn's gthread worker returns from its graceful stop (every request it accepted
    answered, kept-alive connections closed) with its pool threads still parked, and
    Python's exit joins them: the process lingered ~8 s, and the master forks the
    replacement only once it is gone. With `max_requests` recycling that was ~8 s with
    a worker fewer each time (bench: 67 req/s and 8 wrk timeouts in 20 s with a recycle
    every 300 requests; 152 req/s and none when leaving at once). Logs are flushed
    first; an abnormal exit (boot error, crash) keeps gunicorn's own path and status.
    """
    stopping = sys.exc_info()[1]
    if isinstance(stopping, SystemExit) and stopping.code in (0, None):
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'


JSON_LOGS = os.environ.get("DJANGO_LOG_FORMAT", "json") == "json"


class _JsonAtoms(SafeAtoms):
    """The atoms as they came: JSON escapes them itself (SafeAtoms backslashes quotes,
    for the text format)."""

    def __init__(self, atoms: dict) -> None:
        dict.__init__(self, atoms)


class AccessLogger(Logger):
    """gunicorn's logger, with only the access atoms that `access_log_format` and
    `AccessJsonFormatter` use.

    gunicorn's own `atoms()` copies every request header, response header and environ
    entry into the record (and its formatter escapes each): with python-json-logger on
    top, a tenth of the CPU of a page built from kept pieces went to its access line.
    Any other atom in a changed `access_log_format` prints as `-`.
    """

    atoms_wrapper_class = _JsonAtoms if JSON_LOGS else SafeAtoms

    def atoms(self, resp, req, wsgi, request_time):  # wsgi: the WSGI environ
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        request_id = "-"
        for name, value in resp.headers:
            if name.lower() == "x-request-id":
                request_id = value
                break
        method, uri = wsgi["REQUEST_METHOD"], wsgi.get("RAW_URI", "")
        return {
            "h": wsgi.get("REMOTE_ADDR", "-"),
            "r": f"{method} {uri} {wsgi.get('SERVER_PROTOCOL', '')}",
            "s": status,
            "m": method,
            "U": wsgi.get("PATH_INFO"),
            "q": wsgi.get("QUERY_STRING"),
            "B": getattr(resp, "sent", None),
            "a": wsgi.get("HTTP_USER_AGENT", "-"),
            "M": request_time.seconds * 1000 + request_time.microseconds // 1000,
            "{x-request-id}o": request_id,
        }


logger_class = AccessLogger


class AccessJsonFormatter(logging.Formatter):
    """One JSON object per access: method, path, status, bytes, duration, request id."""

    def format(self, record: logging.LogRecord) -> str:
        atoms = record.args if isinstance(record.args, Mapping) else {}
        return json.dumps(
            {
                "time": self.formatTime(record),
                "level": record.levelname,
                "logger": record.name,
                "remote": atoms.get("h"),
                "method": atoms.get("m"),
                "path": atoms.get("U"),
                "query": atoms.get("q") or None,
                "status": int(atoms.get("s") or 0),
                "bytes": int(atoms.get("B") or 0),
                "duration_ms": int(atoms.get("M") or 0),
                "request_id": atoms.get("{x-request-id}o"),
                "user_agent": atoms.get("a"),
            }
        )


_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
_RENAME = {"asctime": "time", "levelname": "level", "name": "logger"}
if JSON_LOGS:
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": JsonFormatter, "fmt": _FIELDS, "rename_fields": _RENAME},
            "access": {"()": AccessJsonFormatter},
        },
        "handlers": {
            "error": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
            },
        },
        # Django's LOGGING configures the root logger again when the app loads.
        "root": {"handlers": ["error"], "level": "INFO"},
        "loggers": {
            "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
