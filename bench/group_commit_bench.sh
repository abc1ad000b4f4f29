#!/usr/bin/env bash
# Message sends per second with group commit (many sends share one transaction)
# against one transaction per send, on the Release build, with wrk on loopback
# against a throwaway PostgreSQL with fsync on (as in production). Each setting
# runs into 1 channel (every send contends for one channel row) and into 16.
#
# Usage: bench/group_commit_bench.sh [DURATION_S] [CONNECTIONS] [GROUP_MAX] [GROUP_BATCHES]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/services.sh
duration=${1:-10}
conns=${2:-64}
group_max=${3:-64}
group_batches=${4:-2}
bin=build/release/parley
[[ -x $bin ]] || { echo "build the Release binary first (./scripts/dev --check builds it)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "apt-get install wrk" >&2; exit 1; }

tmp=$(mktemp -d /tmp/parley-bench.XXXXXX)
server_pid=
stop_server() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
}
cleanup() {
  stop_server
  stop_postgres "$tmp/pg" || true
  rm -rf "$tmp"
}
trap cleanup EXIT
start_postgres "$tmp/pg" >/dev/null
"$bin" migrate --database-url "$PG_URL" >/dev/null
app=$("$bin" app create --name bench --database-url "$PG_URL")
key=$(sed -E 's/.*"api_key":"([^"]+)".*/\1/' <<<"$app")
token=$("$bin" token create --api-key "$key" --user-id bencher --exp-s 3600 --database-url "$PG_URL")

run() {  # run GROUP_MAX BATCHES CHANNELS
  local port
  port=$(free_port)
  "$bin" serve --listen "127.0.0.1:$port" --database-url "$PG_URL" --log-level warn --db-pool-size 16 \
    --db-group-commit-max "$1" --db-group-commit-batches "$2" >"$tmp/parley.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  for i in $(seq 0 $(($3 - 1))); do
    curl -fsS -X PUT "http://127.0.0.1:$port/v1/channels/livestream/bench$i" -H "X-Api-Key: $key" \
      -H "Authorization: Bearer $token" -d '{}' >/dev/null
  done
  echo "== db_group_commit_max=$1 db_group_commit_batches=$2, $3 channel(s), ${duration}s, $conns connections"
  PARLEY_KEY=$key PARLEY_TOKEN=$token PARLEY_CHANNELS=$3 \
    wrk -t2 -c"$conns" -d"${duration}s" --latency -s bench/wrk/send_spread.lua "http://127.0.0.1:$port" |
    grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
  curl -fsS "http://127.0.0.1:$port/metrics" | grep -E '^parley_(send_transactions|sends_committed)_total'
  stop_server
}

run 1 16 1
run "$group_max" "$group_batches" 1
run 1 16 16
run "$group_max" "$group_batches" 16
