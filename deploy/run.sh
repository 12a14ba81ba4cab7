#!/bin/sh
# The one place that says how each Broadsheet process starts. docker compose runs it in
# the image (`command: [migrate|web|worker|beat]`) and scripts/stack.sh runs it on this
# machine, so both start exactly the same commands. Settings come from the environment.
#
#   deploy/run.sh migrate   apply migrations, then create the beat schedules (one-shot)
#   deploy/run.sh web       gunicorn with gunicorn.conf.py serving config.wsgi
#   deploy/run.sh worker    a Celery worker
#   deploy/run.sh beat      Celery beat with the database scheduler (run exactly one)
set -eu
cd "$(dirname "$0")/.."

case "${1:-}" in
  migrate)
    python manage.py migrate --noinput
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
      --concurrency "${CELERY_WORKER_CONCURRENCY:-2}" --without-gossip --without-mingle
    ;;
  beat)
    exec celery --app config beat --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
      --pidfile "${CELERY_BEAT_PIDFILE:-/tmp/celerybeat.pid}"
    ;;
  *)
    echo "usage: $0 migrate|web|worker|beat" >&2
    exit 2
    ;;
esac
