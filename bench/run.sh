#!/usr/bin/env bash
# make bench: requests per second for Broadsheet's pages next to two ceilings measured in
# the same run: nginx serving a static file of the home page's size, and a bare Django
# app (bench/bare.py: no middleware, no database, the same number of bytes) under the
# same gunicorn settings as the site. Every row is printed as req/s and as a share of
# both references. Loopback only, bounded: BENCH_SECONDS per row and round.
#
#   BENCH_SECONDS=8 BENCH_CONNECTIONS=32 BENCH_ROUNDS=3 BENCH_POSTS=0 bench/run.sh
#   BENCH_ONLY='healthz|hit' BENCH_ROUNDS=1 bench/run.sh     # some rows only (quick checks)
#
# Rows: the references; /healthz, a page-cache hit and an uncached page straight to
# gunicorn; the same pages through nginx (TLS and its micro-cache). "Uncached" rows go to
# a second gunicorn of the same app with BROADSHEET_PAGE_CACHE_SECONDS=0. Rounds are
# interleaved (every row once, then again) and the median of BENCH_ROUNDS is shown.
#
# Uses a running `make stack` (STACK_DIR, default .stack) or starts one (2 workers unless
# WEB_CONCURRENCY is set) and stops it. BENCH_POSTS > 0 adds that many posts with
# seed_bulk first. Results are printed and saved in bench-results/ (git-ignored). On a
# shared machine the absolute numbers move with the neighbours' load: compare the ratios
# within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
SECONDS_EACH=${BENCH_SECONDS:-8}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
ROUNDS=${BENCH_ROUNDS:-3}
export STACK_DIR=${STACK_DIR:-.stack}
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
# The API's anonymous throttle would turn a load test into a 429 test.
export API_THROTTLE_ANON=${API_THROTTLE_ANON:-100000000/min}
# DRF counts anonymous clients against the user rate too (by address).
export API_THROTTLE_USER=${API_THROTTLE_USER:-100000000/min}

command -v wrk >/dev/null || { echo "bench: wrk missing (scripts/system-deps.sh installs it)" >&2; exit 1; }

started=0
if [ ! -f "$STACK_DIR/env" ]; then
  scripts/stack.sh start
  started=1
fi
extra_pids=()
cleanup() {
  for pid in "${extra_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${extra_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ $started = 1 ]; then scripts/stack.sh stop; fi
}
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

mkdir -p bench-results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="bench-results/$stamp.txt"

# Another gunicorn with gunicorn.conf.py and the stack's environment: APP on a free port,
# extra environment first. Sets `started_url` once it answers. Called directly, not in
# $(...): a subshell would keep the pid from `extra_pids`, and the server would outlive
# the run.
gunicorn_on_free_port() {  # NAME APP [VAR=VALUE...]
  local name=$1 app=$2 port
  shift 2
  port=$(python -c 'from devservers import free_port; print(free_port())')
  env "$@" GUNICORN_BIND="127.0.0.1:$port" GUNICORN_PIDFILE= \
    GUNICORN_CONTROL_SOCKET="$PWD/bench-results/$stamp.$name.ctl" \
    gunicorn --config gunicorn.conf.py "$app" >"bench-results/$stamp.$name.log" 2>&1 &
  extra_pids+=($!)
  for _ in $(seq 200); do
    curl -fsS -o /dev/null -H "X-Forwarded-Proto: https" "http://127.0.0.1:$port/healthz" 2>/dev/null \
      && break
    sleep 0.1
  done
  started_url="http://127.0.0.1:$port"
}
gunicorn_on_free_port bare bench.bare:application BARE_BYTES="$home_size"
bare_url=$started_url
gunicorn_on_free_port uncached config.wsgi:application BROADSHEET_PAGE_CACHE_SECONDS=0
uncached_url=$started_url

# label|base URL|path: "direct" rows get gunicorn's headers (Host, X-Forwarded-Proto).
rows=(
  "static file, nginx (reference)|$STACK_URL|$static"
  "bare Django, gunicorn (reference)|$bare_url|/"
  "/healthz, gunicorn|$STACK_WEB_URL|/healthz"
  "/ page-cache hit, gunicorn|$STACK_WEB_URL|/"
  "/ uncached, gunicorn|$uncached_url|/"
  "/ nginx|$STACK_URL|/"
  "post page-cache hit, gunicorn|$STACK_WEB_URL|$post"
  "post uncached, gunicorn|$uncached_url|$post"
  "post nginx|$STACK_URL|$post"
)
if [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$STACK_CA_CERT" "$STACK_URL/api/posts/")" = 200 ]; then
  rows+=(
    "/api/posts/ page-cache hit, gunicorn|$STACK_WEB_URL|/api/posts/"
    "/api/posts/ uncached, gunicorn|$uncached_url|/api/posts/"
    "/api/posts/ nginx|$STACK_URL|/api/posts/"
  )
fi

# BENCH_ONLY=REGEX keeps the rows whose label matches (the two references always run).
if [ -n "${BENCH_ONLY:-}" ]; then
  kept=()
  for row in "${rows[@]}"; do
    label=${row%%|*}
    if [[ $label == *"(reference)" ]] || grep -qE -- "$BENCH_ONLY" <<<"$label"; then
      kept+=("$row")
    fi
  done
  rows=("${kept[@]}")
fi

rps() {  # URL [HEADER...] -> "requests/s non-2xx p99-ms"
  local url=$1 result
  shift
  result=$(wrk --latency -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" -H "Accept-Encoding: gzip" "$@" "$url")
  { echo "== $url"; echo "$result"; } >>"$out.raw"
  printf '%s %s %s' "$(awk '/Requests\/sec/ {print $2}' <<<"$result")" \
    "$(awk '/Non-2xx/ {print $5}' <<<"$result" | grep . || echo 0)" \
    "$(awk '$1 == "99%" {v = $2 + 0; if ($2 ~ /us$/) v /= 1000; else if ($2 ~ /[^m]s$/) v *= 1000; print v}' <<<"$result")"
}

declare -A results bad p99s
for round in $(seq "$ROUNDS"); do
  echo "bench: round $round of $ROUNDS" >&2
  for row in "${rows[@]}"; do
    IFS='|' read -r label base path <<<"$row"
    headers=()
    if [ "$base" != "$STACK_URL" ]; then
      headers=(-H "Host: localhost" -H "X-Forwarded-Proto: https")
    fi
    # The previous row's logs on disk first (an nginx row leaves ~100 MB dirty): their
    # writeback is not this row's work.
    sync
    # One request first: fills the page cache (and warms the worker) for the hit rows.
    curl -s -o /dev/null "${headers[@]}" --cacert "$STACK_CA_CERT" "$base$path" || true
    read -r value non2xx p99 <<<"$(rps "$base$path" "${headers[@]}")"
    results[$label]+="$value "
    p99s[$label]+="$p99 "
    bad[$label]=$((${bad[$label]:-0} + non2xx))
  done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

{
  echo "Broadsheet bench $stamp: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wrk ${SECONDS_EACH}s x $CONNECTIONS connections per row, median of $ROUNDS interleaved round(s)"
  echo "gunicorn workers=$WEB_CONCURRENCY threads=${GUNICORN_THREADS:-4}; home page $home_size bytes; static $static"
  echo "p99: wrk's 99th percentile latency in ms (median of the rounds), $CONNECTIONS connections"
  printf '%-38s %7s %10s %7s %9s %9s %7s  %s\n' row bytes "req/s" non2xx "÷bare" "÷static" p99 "rounds"
  static_rps=$(median <<<"${results["static file, nginx (reference)"]}")
  bare_rps=$(median <<<"${results["bare Django, gunicorn (reference)"]}")
  for row in "${rows[@]}"; do
    IFS='|' read -r label base path <<<"$row"
    value=$(median <<<"${results[$label]}")
    bytes=$(curl -s --cacert "$STACK_CA_CERT" -H "Host: localhost" -H "X-Forwarded-Proto: https" "$base$path" | wc -c)
    printf '%-38s %7s %10.0f %7s %9.2f %9.2f %7.1f  %s\n' "$label" "$bytes" "$value" "${bad[$label]}" \
      "$(awk -v a="$value" -v b="$bare_rps" 'BEGIN {print a / b}')" \
      "$(awk -v a="$value" -v b="$static_rps" 'BEGIN {print a / b}')" \
      "$(median <<<"${p99s[$label]}")" "${results[$label]}"
  done
  echo "Ratios within one run are what counts: other processes share these cores."
} | tee "$out"
echo "saved in $out (wrk output in $out.raw)"
