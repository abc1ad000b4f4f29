#!/usr/bin/env bash
# REST throughput and latency of the Release build on this machine, with wrk
# on loopback against a throwaway PostgreSQL (fsync on, as in production) and
# Redis. Everything (wrk, parley, PostgreSQL) shares the machine's cores, so
# these are whole-system numbers for one box, not parley alone.
#
# Usage: bench/rest_bench.sh [DURATION_S] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/services.sh
duration=${1:-10}
conns=${2:-32}
bin=build/release/parley
[[ -x $bin ]] || { echo "build the Release binary first (./scripts/dev --check builds it)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "apt-get install wrk" >&2; exit 1; }

tmp=$(mktemp -d /tmp/parley-bench.XXXXXX)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  stop_redis "$tmp/redis" || true
  stop_postgres "$tmp/pg" || true
  rm -rf "$tmp"
}
trap cleanup EXIT
start_postgres "$tmp/pg" >/dev/null
start_redis "$tmp/redis" >/dev/null
"$bin" migrate --database-url "$PG_URL" >/dev/null
app=$("$bin" app create --name bench --database-url "$PG_URL")
key=$(sed -E 's/.*"api_key":"([^"]+)".*/\1/' <<<"$app")
token=$("$bin" token create --api-key "$key" --user-id bencher --exp-s 3600 --database-url "$PG_URL")
port=$(free_port)
"$bin" serve --listen "127.0.0.1:$port" --database-url "$PG_URL" --redis-url "$REDIS_URL" --log-level warn \
  --db-pool-size 16 >"$tmp/parley.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS -X PUT "http://127.0.0.1:$port/v1/channels/livestream/bench" -H "X-Api-Key: $key" \
  -H "Authorization: Bearer $token" -d '{}' >/dev/null

echo "== GET /healthz (${duration}s, $conns connections, 2 wrk threads)"
wrk -t2 -c"$conns" -d"${duration}s" --latency "http://127.0.0.1:$port/healthz" | grep -E "Requests/sec|Latency|50%|99%"
echo "== GET /v1/channels/livestream/bench/messages?limit=50 (auth + 1 DB read)"
wrk -t2 -c"$conns" -d"${duration}s" --latency -H "X-Api-Key: $key" -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/v1/channels/livestream/bench/messages?limit=50" | grep -E "Requests/sec|Latency|50%|99%"
echo "== POST message, one transaction per message (auth + 1 write transaction, fsync on)"
PARLEY_KEY=$key PARLEY_TOKEN=$token PARLEY_CID_PATH=/v1/channels/livestream/bench/messages \
  wrk -t2 -c"$conns" -d"${duration}s" --latency -s bench/wrk/send_message.lua "http://127.0.0.1:$port" |
  grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
seqs=$(curl -fsS "http://127.0.0.1:$port/v1/channels/livestream/bench" -H "X-Api-Key: $key" -H "Authorization: Bearer $token" |
  sed -E 's/.*"last_seq":([0-9]+).*/\1/')
echo "messages stored: $seqs"
