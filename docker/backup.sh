#!/bin/sh
# The backup service (docker-compose.yml): a pg_dump of the database in PostgreSQL's
# custom format (pg_restore reads it; compressed) now and then every
# BACKUP_INTERVAL_HOURS, into BACKUP_DIR as finsam-YYYYmmdd-HHMMSS.dump. A dump is
# written under a temporary name and renamed when complete, so a file named .dump is
# always whole. Dumps older than BACKUP_KEEP_DAYS days are deleted after a dump succeeds.
#
# The connection comes from libpq's environment: PGHOST, PGUSER, PGPASSWORD, PGDATABASE.
#   finsam-backup           dump, prune, sleep, for ever
#   finsam-backup --once    dump and prune once (also what the test runs)
#   finsam-backup --check   exit 0 if the newest dump is younger than the interval + 1 h
set -eu

BACKUP_DIR=${BACKUP_DIR:-/backups}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
BACKUP_INTERVAL_HOURS=${BACKUP_INTERVAL_HOURS:-24}

dump() {
    name="$BACKUP_DIR/finsam-$(date -u +%Y%m%d-%H%M%S).dump"
    pg_dump --format=custom --no-owner --file="$name.partial"
    mv "$name.partial" "$name"
    echo "backup: wrote $name ($(wc -c < "$name") bytes)"
    # Older than the kept days; a partial file left by a killed run goes after a day.
    find "$BACKUP_DIR" -maxdepth 1 -name 'finsam-*.dump' -mtime +"$BACKUP_KEEP_DAYS" \
        -print -delete | sed 's/^/backup: deleted /'
    find "$BACKUP_DIR" -maxdepth 1 -name 'finsam-*.dump.partial' -mtime +0 -delete
}

check() {
    minutes=$((BACKUP_INTERVAL_HOURS * 60 + 60))
    find "$BACKUP_DIR" -maxdepth 1 -name 'finsam-*.dump' -mmin -"$minutes" | grep -q .
}

mkdir -p "$BACKUP_DIR"
case "${1:-}" in
    --check) check ;;
    --once) dump ;;
    "")
        while true; do
            dump || echo "backup: pg_dump failed; trying again at the next interval" >&2
            sleep $((BACKUP_INTERVAL_HOURS * 3600))
        done
        ;;
    *) echo "usage: finsam-backup [--once | --check]" >&2; exit 2 ;;
esac
