#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into the database and media folder named by
# the environment, then make what the dump owes and check the result.
#
#   DATABASE_URL=postgres://… DJANGO_MEDIA_ROOT=/srv/media scripts/restore.sh BACKUP_DIR
#
# Run it with the site stopped (web, worker and beat), with the settings the site runs
# with (production: DJANGO_SECRET_KEY and the rest, as for `manage.py`). The database may
# be empty or hold an older copy (objects are dropped first: --clean --if-exists).
# Steps: pg_restore; unpack the media; `migrate` (the code may be newer than the dump);
# `make_renditions` (renditions not yet made when the dump was taken, or whose files are
# missing: it reports originals it cannot find instead of stopping); `verify_restore`
# (every image and rendition row has its file; exit status 1 if not).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d .venv/bin ] && PATH="$PWD/.venv/bin:$PATH"

backup=${1:?usage: scripts/restore.sh BACKUP_DIR}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database}"
media=${DJANGO_MEDIA_ROOT:?DJANGO_MEDIA_ROOT must name the media folder}
[ -f "$backup/database.dump" ] && [ -f "$backup/media.tar.gz" ] || {
    echo "restore: $backup lacks database.dump or media.tar.gz" >&2
    exit 2
}

echo "restore: database"
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error \
    --dbname="$DATABASE_URL" "$backup/database.dump"
echo "restore: media"
mkdir -p "$media"
tar --extract --gzip --file="$backup/media.tar.gz" --directory="$media"
echo "restore: migrate, renditions, verify"
python manage.py migrate --noinput
python manage.py make_renditions
python manage.py verify_restore
