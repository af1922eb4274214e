#!/bin/sh
# Container start: bring the database schema up to date (the rate-limit cache table too),
# then hand PID 1 to gunicorn (so it receives docker stop's SIGTERM and shuts its workers
# down gracefully). Workers, timeouts and request limits: docker/gunicorn.conf.py.
# The job runner's `worker` service (docker-compose.yml) runs `manage.py db_worker`
# instead of this script: only web migrates.
set -eu
cd "$(dirname "$0")/.."

python manage.py migrate --noinput
exec gunicorn --config docker/gunicorn.conf.py finsam.wsgi:application
