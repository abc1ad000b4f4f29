#!/usr/bin/env bash
# Message sends per second with group commit (many sends share one transaction)
# against one transaction per send, on the Release build, with wrk on loopback
# against a throwaway PostgreSQL with fsync on (as in production). Each setting
# runs into 1 channel (every send contends for one channel row) and into 16.
#
# Usage: bench/group_commit_bench.sh [DURATION_S] [CONNECTIONS] [GROUP_MAX] [GROUP_BATCHES]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
duration=${1:-10}
conns=${2:-64}
group_max=${3:-64}
group_batches=${4:-2}
bench_setup

run() {  # run GROUP_MAX BATCHES CHANNELS
  local port
  port=$(free_port)
  start_server "$port" --db-pool-size 16 --db-group-commit-max "$1" --db-group-commit-batches "$2"
  make_channels "$port" "$3"
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
