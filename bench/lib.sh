# Shared set-up of the bench/ scripts (source it from the repository root).
# bench_setup [--redis]: checks the Release binary and wrk, starts a throwaway
# PostgreSQL (fsync on, as in production; and Redis with --redis) under $tmp,
# migrates, creates an app, and sets bin, tmp, key, token (a user token of
# "bencher"). stop_server ends the parley started by start_server; everything
# is cleaned up on exit.
source scripts/lib/services.sh

bin=build/release/parley
server_pid=

stop_server() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
}

bench_cleanup() {
  stop_server
  stop_redis "$tmp/redis" || true
  stop_postgres "$tmp/pg" || true
  rm -rf "$tmp"
}

bench_setup() {
  [[ -x $bin ]] || { echo "build the Release binary first (./scripts/dev --check builds it)" >&2; exit 1; }
  command -v wrk >/dev/null || { echo "apt-get install wrk" >&2; exit 1; }
  tmp=$(mktemp -d /tmp/parley-bench.XXXXXX)
  trap bench_cleanup EXIT
  start_postgres "$tmp/pg" >/dev/null
  if [[ ${1:-} == --redis ]]; then start_redis "$tmp/redis" >/dev/null; fi
  "$bin" migrate --database-url "$PG_URL" >/dev/null
  local app
  app=$("$bin" app create --name bench --database-url "$PG_URL")
  key=$(sed -E 's/.*"api_key":"([^"]+)".*/\1/' <<<"$app")
  token=$("$bin" token create --api-key "$key" --user-id bencher --exp-s 3600 --database-url "$PG_URL")
}

# start_server PORT [SERVE_ARG...]: parley serve on 127.0.0.1:PORT, waits until ready.
start_server() {
  local port=$1
  shift
  "$bin" serve --listen "127.0.0.1:$port" --database-url "$PG_URL" --log-level warn "$@" >"$tmp/parley.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
}

# make_channels PORT N: livestream channels bench0 .. bench<N-1>.
make_channels() {
  for i in $(seq 0 $(($2 - 1))); do
    curl -fsS -X PUT "http://127.0.0.1:$1/v1/channels/livestream/bench$i" -H "X-Api-Key: $key" \
      -H "Authorization: Bearer $token" -d '{}' >/dev/null
  done
}
