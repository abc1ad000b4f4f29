#!/usr/bin/env bash
# REST throughput and latency of the Release build on this machine, with wrk
# on loopback against a throwaway PostgreSQL (fsync on, as in production) and
# Redis. Everything (wrk, parley, PostgreSQL) shares the machine's cores, so
# these are whole-system numbers for one box, not parley alone.
#
# Usage: bench/rest_bench.sh [DURATION_S] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
duration=${1:-10}
conns=${2:-32}
bench_setup --redis
port=$(free_port)
start_server "$port" --redis-url "$REDIS_URL" --db-pool-size 16
make_channels "$port" 1

echo "== GET /healthz (${duration}s, $conns connections, 2 wrk threads)"
wrk -t2 -c"$conns" -d"${duration}s" --latency "http://127.0.0.1:$port/healthz" | grep -E "Requests/sec|Latency|50%|99%"
echo "== GET /v1/channels/livestream/bench0/messages?limit=50 (auth + 1 DB read)"
wrk -t2 -c"$conns" -d"${duration}s" --latency -H "X-Api-Key: $key" -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/v1/channels/livestream/bench0/messages?limit=50" | grep -E "Requests/sec|Latency|50%|99%"
echo "== POST message into one channel (auth + send through group commit, fsync on)"
PARLEY_KEY=$key PARLEY_TOKEN=$token PARLEY_CHANNELS=1 \
  wrk -t2 -c"$conns" -d"${duration}s" --latency -s bench/wrk/send_spread.lua "http://127.0.0.1:$port" |
  grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
seqs=$(curl -fsS "http://127.0.0.1:$port/v1/channels/livestream/bench0" -H "X-Api-Key: $key" -H "Authorization: Bearer $token" |
  sed -E 's/.*"last_seq":([0-9]+).*/\1/')
echo "messages stored: $seqs"
