#!/usr/bin/env bash
# Install everything Antena needs on a fresh Debian machine: system libraries (WeasyPrint's Pango,
# PostgreSQL for the test suite, Chromium for the portal tests) and a virtualenv in .venv.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_debs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils)
if [ "${1:-}" = "--test" ]; then
  want_debs+=(postgresql chromium)
fi
missing=()
for pkg in "${want_debs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  python3 -m venv .venv
fi
echo "== installing antena into .venv"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[dev]'
# Byte-compile Antena's own modules now: an editable install leaves them as source, and where
# PYTHONDONTWRITEBYTECODE is set (as on CI machines) every `antena` command would compile them
# again at each start.
.venv/bin/python -m compileall -q antena >/dev/null
