# Production image: gunicorn (docker/gunicorn.conf.py) serving finsam.wsgi on port 8000,
# static files by whitenoise.
# Settings come from the environment at run time (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's Pango/HarfBuzz and a font for the PDFs; gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

# The application runs as this user; it owns only its home (fontconfig's cache). It writes
# nothing else to disk: every state is in PostgreSQL or the shared cache.
RUN groupadd --system --gid 10001 finsam \
    && useradd --system --uid 10001 --gid finsam --create-home --home-dir /home/finsam \
        --shell /usr/sbin/nologin finsam

WORKDIR /app

# Dependencies first, read from pyproject.toml, so that a code change reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself. It runs from /app (BASE_DIR is the folder above finsam/settings.py,
# where templates/, static/ and locale/ live); /app comes first on sys.path for both
# manage.py and gunicorn, so the copy that pip installs into site-packages is not the one used.
COPY . .
RUN pip install . \
    && rm -rf build ./*.egg-info

# Build-time settings only: nothing here is kept in the image's environment.
RUN DEBUG=false SECRET_KEY=build-only python manage.py compilemessages -v0 \
    && DEBUG=false SECRET_KEY=build-only python manage.py collectstatic --noinput -v0

RUN chmod 0755 docker/entrypoint.sh

USER finsam
EXPOSE 8000
CMD ["/app/docker/entrypoint.sh"]
