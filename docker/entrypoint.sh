#!/bin/sh
# Container start: bring the database schema up to date, then hand PID 1 to gunicorn
# (so it receives docker stop's SIGTERM and shuts its workers down gracefully).
set -eu
cd "$(dirname "$0")/.."

python manage.py migrate --noinput
exec gunicorn finsam.wsgi:application \
    --bind 0.0.0.0:8000 \
    --workers "${GUNICORN_WORKERS:-3}" \
    --access-logfile -
