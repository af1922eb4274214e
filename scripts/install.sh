#!/usr/bin/env bash
# Install everything the application needs, into .venv in the project folder.
#
#   bash scripts/install.sh          the application (runtime dependencies)
#   bash scripts/install.sh --test   the application and the test tools, Chromium included,
#                                    the Nu HTML checker (npm's vnu-jar, run by Java), and
#                                    Redis, Caddy and docker-compose for the scale-out checks
#
# Safe to run again: it installs only what is missing. System libraries come from
# Debian's packages (WeasyPrint's Pango/HarfBuzz, gettext for the translations,
# and for --test Debian's Chromium for the browser tests); no tool downloads a
# browser of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=false
[ "${1:-}" = "--test" ] && with_tests=true

python=${PYTHON:-python3.11}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "Python 3.11 behövs (hittade inte '$python'). / Python 3.11 is required." >&2
  exit 1
fi

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext)
# --test: Debian's Chromium for the browser tests; Redis for the test that runs three
# web processes on one shared cache (tests/test_scaleout.py); Caddy and docker-compose
# for .ci/run's checks of docker/Caddyfile and docker-compose.yml (no Docker engine).
$with_tests && packages+=(chromium redis-server caddy docker-compose)
# The Nu HTML checker (scripts/check_html.py) comes from npm and runs on Java: any Java
# and npm already here will do.
if $with_tests; then
  command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); elif command -v sudo >/dev/null; then apt_get=(sudo apt-get); else
    echo "Installera först / install first: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${missing[*]}"
  "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
extras=""
$with_tests && extras="[test]"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"

# The Nu HTML checker's jar, from npm, into .tools/ (git-ignored). --ignore-scripts: the
# package's postinstall would download a Java of its own; the system's is used instead.
vnu_version=26.9.27
vnu_package=.tools/node_modules/vnu-jar/package.json
if $with_tests && ! grep -qs "\"version\": *\"$vnu_version\"" "$vnu_package"; then
  echo "Installing vnu-jar $vnu_version (the Nu HTML checker) into .tools/"
  npm install --no-save --ignore-scripts --no-audit --no-fund --silent --prefix .tools \
    "vnu-jar@$vnu_version"
fi

[ -f .env ] || cp .env.example .env
.venv/bin/python manage.py compilemessages --ignore=.venv -v0
echo "Installed. Python: .venv/bin/python"
