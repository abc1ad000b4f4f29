# shellcheck shell=bash
# Throwaway local PostgreSQL 15 and Redis for scripts/dev and scripts/test.
#
#   start_postgres DIR [POSTGRES_OPTION...]  exports PG_PORT, PG_URL, PG_ADMIN_URL
#   stop_postgres DIR
#   start_redis DIR                          exports REDIS_PORT, REDIS_URL
#   stop_redis DIR
#   free_port                                prints a free TCP port on 127.0.0.1
#
# Each service keeps all of its state (data, socket, pid file, log) in DIR.
# stop_* only stops a service that start_* started in this same shell, so a
# cleanup trap can call them unconditionally and never touches another
# session's server.

# PostgreSQL's server programs are not on PATH on Debian; never look pg_ctl up there.
PG_BIN=/usr/lib/postgresql/15/bin

# "pg:DIR" / "redis:DIR" -> 1 for every service this shell started.
declare -gA _parley_started=()

# True when no TCP socket uses local port $1. TIME-WAIT leftovers do not
# count: servers bind with SO_REUSEADDR.
port_is_free() {
  [[ -z $(ss -Htan exclude time-wait "sport = :$1") ]]
}

# Prints a random free port in 10000-32767, below Linux's ephemeral range
# (32768-60999), so an outgoing connection cannot take it between the check
# and the bind. Another process may still grab it; start_* retry once more.
free_port() {
  local port attempt
  for ((attempt = 0; attempt < 100; attempt++)); do
    port=$(((RANDOM << 15 | RANDOM) % 22768 + 10000))
    if port_is_free "$port"; then
      echo "$port"
      return 0
    fi
  done
  echo "free_port: no free port found" >&2
  return 1
}

# Creates directory $1 if needed and prints its absolute physical path.
_abs_dir() {
  mkdir -p "$1" && (cd "$1" && pwd -P)
}

# Prints the pid in pid file $1 if that process is alive and named $2.
_live_pid() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] || return 1
  echo "$pid"
}

# Sends SIGTERM to pid $1, waits up to $2 seconds (default 10), then SIGKILLs it.
stop_pid() {
  local pid=$1 timeout=${2:-10} tick
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((tick = 0; tick < timeout * 10; tick++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "pid $pid did not exit after ${timeout}s; sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

# initdb and postgres refuse to run as root: then run them as the postgres OS
# user, from / so that an unreadable current directory does not bother them.
_as_pg_owner() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# When root, hands DIR to the postgres user and makes sure that user can
# traverse every parent directory (mktemp -d creates mode 0700 directories).
_pg_prepare_dir() {
  local dir=$1 parent parents=()
  ((EUID == 0)) || return 0
  chown -R postgres:postgres "$dir"
  parent=$dir
  while [[ $parent != / ]]; do
    parent=$(dirname "$parent")
    parents=("$parent" "${parents[@]}")
  done
  # Top down: a directory can only be tested once its parent is traversable.
  for parent in "${parents[@]}"; do
    if ! runuser -u postgres -- test -x "$parent"; then
      echo "Allowing the postgres user to traverse $parent (chmod o+x)" >&2
      chmod o+x "$parent"
    fi
  done
}

# Runs psql (the PostgreSQL 15 one, ignoring ~/.psqlrc) against URL $1.
_psql() {
  "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -Atq "$@"
}

# start_postgres DIR [POSTGRES_OPTION...]
# Initialises DIR/pgdata on first use (trust auth, superuser "postgres"), starts
# it on 127.0.0.1 and a free port with its unix socket in DIR, and creates the
# database "parley". Extra arguments go to postgres, e.g. for tests:
#   start_postgres "$tmp/pg" -c fsync=off -c synchronous_commit=off -c full_page_writes=off
start_postgres() {
  local dir data port attempt
  dir=$(_abs_dir "$1")
  shift
  data=$dir/pgdata
  _pg_prepare_dir "$dir"

  if [[ ! -f $data/PG_VERSION ]]; then
    echo "Initialising PostgreSQL data directory $data" >&2
    if ! _as_pg_owner "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust \
      --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1; then
      cat "$dir/initdb.log" >&2
      return 1
    fi
  fi

  # Refuse to adopt a server we did not start (e.g. another scripts/dev).
  if _as_pg_owner "$PG_BIN/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    echo "PostgreSQL is already running on $data; stop it with:" >&2
    echo "  $PG_BIN/pg_ctl stop -D $data -m fast   (as the postgres user when root)" >&2
    return 1
  fi

  port=$(free_port)
  _parley_started["pg:$dir"]=1
  # The settings go on the command line, so a persistent data directory can
  # come up on a different port each run.
  if ! _as_pg_owner "$PG_BIN/pg_ctl" start -w -t 60 -D "$data" -l "$dir/postgres.log" \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c max_connections=200 $*" \
    >/dev/null; then
    echo "PostgreSQL did not start; last lines of $dir/postgres.log:" >&2
    tail -n 30 "$dir/postgres.log" >&2 || true
    return 1
  fi

  export PG_PORT=$port
  export PG_URL="postgresql://postgres@127.0.0.1:$port/parley"
  export PG_ADMIN_URL="postgresql://postgres@127.0.0.1:$port/postgres"

  for ((attempt = 0; attempt < 100; attempt++)); do
    _psql "$PG_ADMIN_URL" -c 'select 1' >/dev/null 2>&1 && break
    sleep 0.1
  done
  if ! _psql "$PG_ADMIN_URL" -c 'select 1' >/dev/null; then
    echo "PostgreSQL on port $port does not accept connections" >&2
    return 1
  fi

  if [[ $(_psql "$PG_ADMIN_URL" -c "select 1 from pg_database where datname = 'parley'") != 1 ]]; then
    _psql "$PG_ADMIN_URL" -c 'create database parley'
  fi
  echo "PostgreSQL 15 ready on 127.0.0.1:$port (data $data)" >&2
}

# stop_postgres DIR: fast shutdown of the server start_postgres started in DIR.
stop_postgres() {
  local dir
  dir=$(cd "$1" 2>/dev/null && pwd -P) || return 0
  [[ -n ${_parley_started["pg:$dir"]:-} ]] || return 0
  if _as_pg_owner "$PG_BIN/pg_ctl" status -D "$dir/pgdata" >/dev/null 2>&1; then
    _as_pg_owner "$PG_BIN/pg_ctl" stop -D "$dir/pgdata" -m fast -w -t 60 >/dev/null
  fi
  unset '_parley_started["pg:$dir"]'
}

# start_redis DIR: an in-memory Redis (no RDB, no AOF) on 127.0.0.1 and a free
# port, with its pid file and log in DIR.
start_redis() {
  local dir port pid attempt
  dir=$(_abs_dir "$1")
  if pid=$(_live_pid "$dir/redis.pid" redis-server); then
    echo "Redis is already running from $dir (pid $pid); not touching it" >&2
    return 1
  fi
  rm -f "$dir/redis.pid"

  port=$(free_port)
  _parley_started["redis:$dir"]=1
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir"

  for ((attempt = 0; attempt < 100; attempt++)); do
    [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && break
    sleep 0.1
  done
  if [[ $(redis-cli -p "$port" ping 2>/dev/null) != PONG ]]; then
    echo "Redis did not start; last lines of $dir/redis.log:" >&2
    tail -n 30 "$dir/redis.log" >&2 || true
    return 1
  fi

  export REDIS_PORT=$port
  export REDIS_URL="redis://127.0.0.1:$port"
  echo "Redis ready on 127.0.0.1:$port" >&2
}

# stop_redis DIR: stops the Redis start_redis started in DIR, by its pid file.
stop_redis() {
  local dir pid
  dir=$(cd "$1" 2>/dev/null && pwd -P) || return 0
  [[ -n ${_parley_started["redis:$dir"]:-} ]] || return 0
  if pid=$(_live_pid "$dir/redis.pid" redis-server); then
    stop_pid "$pid" 10
  fi
  unset '_parley_started["redis:$dir"]'
}
