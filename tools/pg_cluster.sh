#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: one data directory and one Unix socket inside DIR, no TCP.
#
#   eval "$(tools/pg_cluster.sh start DIR)"   # initdb + start; prints the export lines for the tests
#   tools/pg_cluster.sh env DIR               # the export lines again (cluster already running)
#   tools/pg_cluster.sh stop DIR              # stop it (immediate); DIR itself is left for the caller to remove
#
# The cluster is for tests only: fsync, synchronous_commit and full_page_writes are off (a crash loses it, which
# is fine for a cluster that lives as long as one test run, and it makes CREATE DATABASE and commits cheap).
# Authentication: trust for the Unix socket, except the role `ud_password` (password `ud-test-password`), which
# must give its password (scram-sha-256), so a test can check what a wrong password does.
#
# initdb refuses to run as root. As root the cluster runs as the `postgres` account the distribution's package
# creates (or an unprivileged `userdesk-pg` account made here when there is none); as anyone else, as that user.
# The binaries are found on PATH or under /usr/lib/postgresql/*/bin (newest version).
set -euo pipefail

PW_ROLE=ud_password
PW_SECRET=ud-test-password

usage() {
  echo "usage: $0 start|stop|env DIR" >&2
  exit 2
}

pg_bindir() {
  if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$dir" || ! -x "$dir/pg_ctl" ]]; then
    echo "error: PostgreSQL server binaries not found (install the distribution's postgresql package)" >&2
    exit 1
  fi
  echo "$dir"
}

# The account the server runs as: the caller, or an unprivileged one when the caller is root.
pg_account() {
  if [[ $(id -u) -ne 0 ]]; then
    id -un
  elif id postgres >/dev/null 2>&1; then
    echo postgres
  else
    id userdesk-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin userdesk-pg
    echo userdesk-pg
  fi
}

# Run a command as the server's account (directly when that is the caller).
as_account() {
  local account=$1
  shift
  if [[ $(id -un) == "$account" ]]; then
    "$@"
  else
    runuser -u "$account" -- "$@"
  fi
}

print_env() {
  local dir=$1
  echo "export USERDESK_TEST_PG='postgresql+psycopg://postgres@/postgres?host=$dir'"
  echo "export USERDESK_TEST_PG_PASSWORD_URL='postgresql+psycopg://$PW_ROLE:$PW_SECRET@/postgres?host=$dir'"
}

start() {
  local dir bindir account
  dir=$(readlink -f "$1")
  mkdir -p "$dir"
  bindir=$(pg_bindir)
  account=$(pg_account)
  if [[ $(id -un) != "$account" ]]; then
    chown "$account" "$dir"
  fi
  chmod 0700 "$dir"
  as_account "$account" "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=reject \
    -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # The password role first: pg_hba.conf is read top to bottom.
  as_account "$account" sh -c "printf '%s\n' 'local all $PW_ROLE scram-sha-256' 'local all all trust' \
    >'$dir/data/pg_hba.conf'"
  as_account "$account" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
    "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c synchronous_commit=off \
     -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB" >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  "$bindir/psql" -h "$dir" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE $PW_ROLE LOGIN SUPERUSER PASSWORD '$PW_SECRET'" >/dev/null
  print_env "$dir"
}

stop() {
  local dir bindir account
  dir=$(readlink -f "$1")
  [[ -f "$dir/data/postmaster.pid" ]] || return 0
  bindir=$(pg_bindir)
  account=$(stat -c %U "$dir/data")
  as_account "$account" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
}

[[ $# -eq 2 ]] || usage
case $1 in
  start) start "$2" ;;
  stop) stop "$2" ;;
  env) print_env "$(readlink -f "$2")" ;;
  *) usage ;;
esac
