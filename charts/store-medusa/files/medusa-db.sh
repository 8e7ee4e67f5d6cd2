#!/bin/sh
# The database side of a Medusa store's start-up order, run with psql from the postgres image.
#   medusa-db.sh wait-for-database    until PostgreSQL accepts connections as the medusa user
#   medusa-db.sh wait-for-migrations  until Job medusa-migrations recorded success for MEDUSA_IMAGE
#   medusa-db.sh mark-migrated        record that migrations succeeded for MEDUSA_IMAGE
#   medusa-db.sh admin-exists         write ADMIN_EXISTS_FILE when ADMIN_EMAIL is already a user
# Connection settings come from the standard PG* variables (PGHOST, PGUSER, PGPASSWORD, ...); the
# waits give up after WAIT_SECONDS (default 600) with exit status 1, naming what they waited for.
set -eu

command=${1:-}
wait_seconds=${WAIT_SECONDS:-600}
poll_seconds=${POLL_SECONDS:-2}
marker_table=urumi_medusa_migrations

fail() {
  echo "medusa-db: $*" >&2
  exit 1
}

require() {
  eval "value=\${$1:-}"
  # shellcheck disable=SC2154 # set by the eval above
  [ -n "$value" ] || fail "$1 is not set"
}

# Runs a query with one psql variable (name=value, used as :'name'), printing its unaligned result.
query() {
  printf '%s\n' "$1" | psql -X -q -t -A -v ON_ERROR_STOP=1 -v "$2"
}

# Polls `$@` (a shell function) until it succeeds or WAIT_SECONDS pass.
wait_until() {
  what=$1
  shift
  deadline=$(($(date +%s) + wait_seconds))
  while ! "$@" 2>/tmp/medusa-db.err; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      fail "gave up after ${wait_seconds}s waiting for $what: $(tail -n 3 /tmp/medusa-db.err 2>/dev/null)"
    fi
    sleep "$poll_seconds"
  done
  echo "medusa-db: $what: done"
}

database_up() {
  pg_isready -q && psql -X -q -t -A -c 'select 1' >/dev/null
}

migrated() {
  [ "$(query "select 1 from $marker_table where image = :'image';" "image=$MEDUSA_IMAGE")" = 1 ]
}

case "$command" in
  wait-for-database)
    wait_until "PostgreSQL at ${PGHOST:-localhost}:${PGPORT:-5432}" database_up
    ;;
  wait-for-migrations)
    require MEDUSA_IMAGE
    wait_until "the migrations of $MEDUSA_IMAGE (Job medusa-migrations)" migrated
    ;;
  mark-migrated)
    require MEDUSA_IMAGE
    query "create table if not exists $marker_table (image text primary key, migrated_at timestamptz not null default now());
insert into $marker_table (image) values (:'image') on conflict (image) do update set migrated_at = now();" \
      "image=$MEDUSA_IMAGE" >/dev/null
    echo "medusa-db: recorded the migrations of $MEDUSA_IMAGE"
    ;;
  admin-exists)
    require ADMIN_EMAIL
    require ADMIN_EXISTS_FILE
    rm -f "$ADMIN_EXISTS_FILE"
    found=$(query "select 1 from \"user\" where email = :'email' and deleted_at is null;" "email=$ADMIN_EMAIL")
    if [ "$found" = 1 ]; then
      : >"$ADMIN_EXISTS_FILE"
      echo "medusa-db: admin user $ADMIN_EMAIL exists"
    else
      echo "medusa-db: admin user $ADMIN_EMAIL does not exist yet"
    fi
    ;;
  *)
    fail "unknown command '$command': use wait-for-database, wait-for-migrations, mark-migrated or admin-exists"
    ;;
esac
