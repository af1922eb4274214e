#!/bin/sh
# Container start of the web service: hand PID 1 to gunicorn (so it receives docker
# stop's SIGTERM and shuts its workers down gracefully). Workers, timeouts and request
# limits: docker/gunicorn.conf.py. The schema is brought up to date by the one-off
# `migrate` service (docker-compose.yml), which every web container waits for, so any
# number of them can start at once; /readyz is not ready while a migration is missing.
set -eu
cd "$(dirname "$0")/.."

exec gunicorn --config docker/gunicorn.conf.py finsam.wsgi:application
