#!/usr/bin/env bash
# WebSocket fan-out latency on the Release build: two parley nodes sharing a
# throwaway PostgreSQL (fsync on, as in production) and Redis, N watchers of one
# livestream channel split over both nodes, and a writer POSTing M messages at a
# fixed rate through REST (spread over both nodes). bench/fanout_bench.cpp does
# the clients and prints p50/p90/p99/max of receive time minus send time (one
# process, one clock) and delivered events/s. Everything shares the machine's
# cores, so these are whole-system numbers for one box.
#
# Usage: bench/fanout_bench.sh [WATCHERS] [MESSAGES] [RATE_PER_S] [TEXT_BYTES]
# PARLEY_BIN and FANOUT_BENCH override the binaries (default build/release/...),
# e.g. to smoke-test the ASan build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/services.sh
watchers=${1:-1000}
messages=${2:-500}
rate=${3:-100}
size=${4:-200}
bin=${PARLEY_BIN:-build/release/parley}
tool=${FANOUT_BENCH:-build/release/bench/fanout_bench}
for b in "$bin" "$tool"; do
  [[ -x $b ]] || { echo "missing $b: build the Release tree first (./scripts/dev --check builds it)" >&2; exit 1; }
done

pids=()
tmp=$(mktemp -d /tmp/parley-fanout.XXXXXX)
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  stop_redis "$tmp/redis" || true
  stop_postgres "$tmp/pg" || true
  rm -rf "$tmp"
}
trap cleanup EXIT
start_postgres "$tmp/pg" >/dev/null
start_redis "$tmp/redis" >/dev/null
"$bin" migrate --database-url "$PG_URL" >/dev/null
app=$("$bin" app create --name fanout --database-url "$PG_URL")
key=$(sed -E 's/.*"api_key":"([^"]+)".*/\1/' <<<"$app")
secret=$(sed -E 's/.*"api_secret":"([^"]+)".*/\1/' <<<"$app")

ports=()
for node in a b; do
  port=$(free_port)
  "$bin" serve --listen "127.0.0.1:$port" --database-url "$PG_URL" --redis-url "$REDIS_URL" --node-id "$node" \
    --db-pool-size 16 --log-level warn >"$tmp/parley-$node.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { echo "node $node did not start:" >&2; tail "$tmp/parley-$node.log" >&2; exit 1; }
  ports+=("$port")
done

echo "== fan-out: $watchers watchers over 2 nodes, $messages messages at $rate/s, text $size bytes"
status=0
"$tool" --ports "${ports[0]},${ports[1]}" --api-key "$key" --api-secret "$secret" --watchers "$watchers" \
  --messages "$messages" --rate "$rate" --size "$size" || status=$?
for i in 0 1; do
  curl -fsS "http://127.0.0.1:${ports[$i]}/metrics" |
    grep -E '^parley_(ws_connections_open|events_(published|received|delivered)_total|bus_dropped_total) ' |
    sed "s/^/node $i: /"
  curl -fsS "http://127.0.0.1:${ports[$i]}/metrics" | grep -E '^parley_fanout_latency_seconds_(sum|count) ' |
    sed "s/^/node $i: /"
done
# Warnings of the nodes (e.g. a feed that skipped seqs) say why a delivery is missing.
for f in "$tmp"/parley-*.log; do
  grep -m 5 -E '"level":"(warn|error)"' "$f" | sed "s|^|$(basename "$f"): |" || true
done
exit $status
