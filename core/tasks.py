"""Sending Celery tasks from requests and retrying them in workers, for every app.

`enqueue_on_commit` is Celery's `delay_on_commit` with two guards a request needs: the
send is bounded well under a second and goes through a circuit breaker, so a dead or
frozen broker never holds a writer's request (docs/decisions/0020-bounded-task-sending.md).
"""

from __future__ import annotations

import logging

import redis.exceptions
from celery import Task
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError

from core.cache import redis_is_down
from core.circuit import CircuitBreaker

logger = logging.getLogger(__name__)

# A send from a web request: one attempt, every socket operation bounded, no reconnect
# loop. A dead Redis answers at once (connection refused); a frozen one costs at most
# these timeouts, once per breaker cooldown and process.
REQUEST_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 0.2,
    "socket_timeout": 0.2,
    "max_retries": 0,
}
broker_breaker = CircuitBreaker("Celery broker (sending from a request)", cooldown=10.0)

# Inside a worker the broker may take a few seconds to come back; then the task retries.
WORKER_RETRY_POLICY = {
    "max_retries": 5,
    "interval_start": 0.5,
    "interval_step": 1,
    "interval_max": 3,
}

# Errors that pass: the database restarting or failing over, the broker coming back.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    BrokerError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
# Retry countdowns stay well under the broker's visibility timeout minus the hard time
# limit (config/settings/base.py), so a task waiting for its retry is never handed out
# twice.
RETRY_OPTIONS = {
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
}


def send_from_request(task: Task, *args) -> bool:
    """Send `task(*args)` now, bounded well under a second; False if the broker is away.

    Never raises and never waits on a reconnect loop: the caller is a request whose write
    has succeeded, and the periodic sweep does what a lost message would have done.
    """
    if task.app.conf.task_always_eager:
        return _run_in_process(task, args)
    if redis_is_down(task.app.conf.broker_url) or not broker_breaker.allow():
        return False  # the cache found this Redis away just now, or we did
    try:
        with task.app.connection_for_write(
            transport_options=REQUEST_TRANSPORT_OPTIONS
        ) as connection:
            task.apply_async(args=args, connection=connection, retry=False)
    except Exception as error:
        broker_breaker.failed(error)  # logged once per outage, counted after that
        return False
    broker_breaker.succeeded()
    return True


def _run_in_process(task: Task, args: tuple) -> bool:
    """No broker (`make run`, tests): the task runs here and now. Its failure is the
    task's own, logged, and says nothing about a broker, so the breaker is not touched
    (counting it would make every later task of the process skip for a cooldown)."""
    try:
        task.apply(args=args, throw=True)
    except Exception:
        logger.exception("in-process task %s failed", task.name)
        return False
    return True


def enqueue_on_commit(task: Task, *args) -> None:
    """Send `task(*args)` once the current transaction commits; nothing if it rolls back.

    If the broker is unreachable, the save still succeeds (in well under a second) and
    the next sweep catches up on what the task would have done.
    """
    transaction.on_commit(lambda: send_from_request(task, *args), robust=True)
