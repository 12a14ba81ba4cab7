#!/bin/sh
# The one place that says how each Broadsheet process starts. docker compose runs it in
# the image (`command: [migrate|web|worker|beat]`) and scripts/stack.sh runs it on this
# machine, so both start exactly the same commands. Settings come from the environment.
#
#   deploy/run.sh migrate   apply migrations, then create the beat schedules (one-shot)
#   deploy/run.sh web       gunicorn with gunicorn.conf.py serving config.wsgi
#   deploy/run.sh worker    a Celery worker for the site's own work (queue `celery`:
#                           renditions, go-live announcements, reports, exports)
#   deploy/run.sh webhook-worker  a Celery worker for webhook deliveries only (queue
#                           `webhooks`): a hanging receiver never holds the site's work
#   deploy/run.sh beat      Celery beat with the database scheduler (run exactly one)
set -eu
cd "$(dirname "$0")/.."

case "${1:-}" in
  migrate)
    # No statement or lock timeout for migrations (an index on a large table takes longer).
    DATABASE_STATEMENT_TIMEOUT=0 DATABASE_LOCK_TIMEOUT=0 python manage.py migrate --noinput
    # setup_schedules is idempotent: safe on every deploy.
    if ls ./*/management/commands/setup_schedules.py >/dev/null 2>&1; then
      python manage.py setup_schedules
    fi
    ;;
  web)
    exec gunicorn --config gunicorn.conf.py config.wsgi:application
    ;;
  worker)
    exec celery --app config worker --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
      --concurrency "${CELERY_WORKER_CONCURRENCY:-2}" --without-gossip --without-mingle \
      --queues celery
    ;;
  webhook-worker)
    exec celery --app config worker --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
      --concurrency "${CELERY_WEBHOOK_CONCURRENCY:-2}" --without-gossip --without-mingle \
      --queues webhooks --hostname "webhooks@%h"
    ;;
  beat)
    exec celery --app config beat --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
      --pidfile "${CELERY_BEAT_PIDFILE:-/tmp/celerybeat.pid}"
    ;;
  *)
    echo "usage: $0 migrate|web|worker|webhook-worker|beat" >&2
    exit 2
    ;;
esac
