#!/usr/bin/env bash
# make bench: requests per second through nginx (TLS, micro-cache) and straight to
# gunicorn, for the anonymous home page, a post page, the API list and a static file of
# about the home page's size. Loopback only, bounded: BENCH_SECONDS per URL and target.
#
#   BENCH_SECONDS=8 BENCH_CONNECTIONS=32 BENCH_POSTS=0 bench/run.sh
#
# Uses a running `make stack` (STACK_DIR, default .stack) or starts one and stops it.
# BENCH_POSTS > 0 adds that many posts with seed_bulk first. Results are printed and
# saved in bench-results/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
SECONDS_EACH=${BENCH_SECONDS:-8}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
export STACK_DIR=${STACK_DIR:-.stack}

command -v wrk >/dev/null || { echo "bench: wrk missing (scripts/system-deps.sh installs it)" >&2; exit 1; }

started=0
if [ ! -f "$STACK_DIR/env" ]; then
  # The API's anonymous throttle would turn a load test into a 429 test.
  API_THROTTLE_ANON=100000000/min scripts/stack.sh start
  started=1
fi
cleanup() { if [ $started = 1 ]; then scripts/stack.sh stop; fi; }
trap cleanup EXIT
# shellcheck source=/dev/null
source "$STACK_DIR/env"

python manage.py seed_demo >/dev/null
if [ "${BENCH_POSTS:-0}" -gt 0 ]; then
  python manage.py seed_bulk --posts "$BENCH_POSTS"
fi

# curl/wrk trust only the stack's own CA; wrk itself does not verify certificates.
fetch() { curl -fsS --cacert "$STACK_CA_CERT" "$STACK_URL$1"; }
home_size=$(fetch / | wc -c)
post=$(fetch / | grep -o 'href="/posts/[^"]*/"' | head -1 | cut -d'"' -f2)
static=$(python - "$home_size" <<'PY'
import json, os, sys
target = int(sys.argv[1])
paths = json.load(open("staticfiles/staticfiles.json"))["paths"].values()
sizes = {p: os.path.getsize(f"staticfiles/{p}") for p in paths}
print("/static/" + min(sizes, key=lambda p: abs(sizes[p] - target)))
PY
)
urls=("/" "$post" "$static")
if [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$STACK_CA_CERT" "$STACK_URL/api/posts/")" = 200 ]; then
  urls+=("/api/posts/")
fi

mkdir -p bench-results
out="bench-results/$(date -u +%Y%m%dT%H%M%SZ).txt"
rps() {  # URL [HEADER...] -> "requests/s non-2xx"
  local url=$1 result
  shift
  result=$(wrk --latency -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" -H "Accept-Encoding: gzip" "$@" "$url")
  echo "$result" >>"$out.raw"
  printf '%s %s' "$(awk '/Requests\/sec/ {print $2}' <<<"$result")" \
    "$(awk '/Non-2xx/ {print $5}' <<<"$result" | grep . || echo 0)"
}

{
  echo "Broadsheet bench: $(nproc) cores, ${SECONDS_EACH}s per run, $CONNECTIONS connections"
  echo "workers=${WEB_CONCURRENCY:-default} threads=${GUNICORN_THREADS:-4}; home page $home_size bytes"
  printf '%-44s %8s %16s %8s %16s %8s\n' URL bytes "nginx req/s" non2xx "gunicorn req/s" non2xx
  for url in "${urls[@]}"; do
    bytes=$(fetch "$url" | wc -c)
    read -r via_nginx bad_nginx <<<"$(rps "$STACK_URL$url")"
    read -r direct bad_direct <<<"$(rps "$STACK_WEB_URL$url" -H "Host: localhost" -H "X-Forwarded-Proto: https")"
    printf '%-44s %8s %16s %8s %16s %8s\n' "$url" "$bytes" "$via_nginx" "$bad_nginx" "$direct" "$bad_direct"
  done
} | tee "$out"
echo "saved in $out (wrk output in $out.raw)"
