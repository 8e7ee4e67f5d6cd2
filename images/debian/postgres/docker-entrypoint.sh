#!/bin/bash
# PostgreSQL 17 from Debian's packages, with the official postgres image's contract that the Medusa
# store chart relies on: POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE), POSTGRES_USER (default
# postgres, the superuser), POSTGRES_DB (default: the user's name), PGDATA (default
# /var/lib/postgresql/17/docker, a folder below the volume as in the official 18 image), a data
# directory initialised on first start (password logins over TCP from anywhere, trust on the local
# socket), then the command, `postgres` with the chart's arguments. Runs as the pod's user (999);
# writes only to PGDATA, /var/run/postgresql and /tmp.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/17/docker}"
export PGDATA

say() { printf '%s [entrypoint] %s\n' "$(date -u +%FT%TZ)" "$*"; }

# VAR_FILE names a file holding VAR (a mounted Secret).
from_file() {
  local name=$1 file_name="${1}_FILE"
  if [ -n "${!file_name:-}" ]; then
    printf -v "$name" '%s' "$(<"${!file_name}")"
  fi
}

# A value as an SQL identifier.
sql_identifier() {
  printf '"%s"' "${1//\"/\"\"}"
}

initialise() {
  from_file POSTGRES_PASSWORD
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE is required}"
  local user=${POSTGRES_USER:-postgres}
  local database=${POSTGRES_DB:-$user}
  say "initialising the database cluster in $PGDATA"
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  local password_file
  password_file=$(mktemp)
  printf '%s' "$POSTGRES_PASSWORD" >"$password_file"
  initdb --username="$user" --pwfile="$password_file" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale-provider=builtin --locale=C.UTF-8 >/dev/null
  rm -f "$password_file"
  printf '%s\n' "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  printf '%s\n' "listen_addresses = '*'" >>"$PGDATA/postgresql.auto.conf"
  if [ "$database" != postgres ]; then
    pg_ctl --silent --wait -o "-c listen_addresses=''" start
    psql --quiet --no-psqlrc -v ON_ERROR_STOP=1 --username="$user" --dbname=postgres \
      -c "CREATE DATABASE $(sql_identifier "$database")"
    pg_ctl --silent --wait --mode=fast stop
  fi
  say "database cluster initialised"
}

if [ "${1:-postgres}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then initialise; fi
if [ $# -eq 0 ]; then set -- postgres; fi
exec "$@"
