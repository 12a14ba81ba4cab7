#!/usr/bin/env bash
# Back up a running Broadsheet: the database first, then the media files.
#
#   DATABASE_URL=postgres://… DJANGO_MEDIA_ROOT=/srv/media scripts/backup.sh DEST
#
# Writes DEST/database.dump (pg_dump's custom format) and DEST/media.tar.gz, then
# DEST/backup.txt (when, what, sizes). Restore with scripts/restore.sh DEST.
#
# Why this order: a file is always written before the row that names it commits
# (images/services.py), and files are never changed once written. So every image and
# rendition row in the dump already has its file when the media copy starts, and the copy
# taken afterwards holds them all. (Media first loses the files of rows that commit in
# between: a fault test counted 4 images and 27 renditions with no file.) Files written after
# the dump are harmless extras; renditions the dump owes are made by the restore.
#
# The media copy runs while uploads go on, so a file may grow or appear while tar reads
# the folder: GNU tar then exits 1 ("file changed as we read it"), which is expected here
# and accepted; exit 2 or more (a real error) fails the backup. A file deleted meanwhile
# (an image deleted after the dump) is skipped (--ignore-failed-read); verify_restore
# reports its row after a restore.
set -euo pipefail

dest=${1:?usage: scripts/backup.sh DEST_DIR}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database}"
media=${DJANGO_MEDIA_ROOT:?DJANGO_MEDIA_ROOT must name the media folder}
mkdir -p "$dest"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# 1. The database: one consistent snapshot (a single repeatable-read transaction).
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" \
    --file="$dest/database.dump.partial"
mv "$dest/database.dump.partial" "$dest/database.dump"
dumped=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# 2. The media, after the dump. Exit 1 = files changed while read: expected, accepted.
status=0
tar --create --gzip --file="$dest/media.tar.gz.partial" --directory="$media" \
    --warning=no-file-changed --warning=no-file-removed --ignore-failed-read . || status=$?
if [ "$status" -gt 1 ]; then
    echo "backup: tar failed with status $status" >&2
    exit "$status"
fi
mv "$dest/media.tar.gz.partial" "$dest/media.tar.gz"

cat > "$dest/backup.txt" <<INFO
started $started
database dumped $dumped ($(du -h "$dest/database.dump" | cut -f1))
media copied $(date -u +%Y-%m-%dT%H:%M:%SZ) ($(du -h "$dest/media.tar.gz" | cut -f1), tar status $status)
INFO
cat "$dest/backup.txt"
