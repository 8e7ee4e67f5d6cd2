#!/bin/bash
# MariaDB from Debian's packages, with the official mariadb image's contract that the store chart
# relies on: MARIADB_ROOT_PASSWORD(_FILE), MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD(_FILE),
# a datadir initialised on first start, and a `healthcheck` user for healthcheck.sh. Runs as the
# pod's user (non-root); writes only to /var/lib/mysql, /run/mysqld and /tmp.
set -euo pipefail

datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock

say() { printf '%s [entrypoint] %s\n' "$(date -u +%FT%TZ)" "$*"; }

# VAR_FILE names a file holding VAR (a mounted Secret); the value never appears in the environment
# of the server.
from_file() {
  local name=$1 file_name="${1}_FILE"
  if [ -n "${!file_name:-}" ]; then
    printf -v "$name" '%s' "$(<"${!file_name}")"
  fi
}

# A value as an SQL string literal.
sql_string() {
  local value=${1//\\/\\\\}
  printf "'%s'" "${value//\'/\\\'}"
}

initialise() {
  from_file MARIADB_ROOT_PASSWORD
  from_file MARIADB_PASSWORD
  : "${MARIADB_ROOT_PASSWORD:?MARIADB_ROOT_PASSWORD or MARIADB_ROOT_PASSWORD_FILE is required}"
  say "initialising the database in $datadir"
  mariadb-install-db --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve >/dev/null
  mariadbd --datadir="$datadir" --skip-networking --socket="$socket.init" &
  local pid=$!
  for _ in $(seq 1 60); do
    mariadb-admin --socket="$socket.init" -uroot ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  local health_password
  health_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.global_priv WHERE User NOT IN ('mariadb.sys', 'root') OR Host NOT IN ('localhost');"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_string "$MARIADB_ROOT_PASSWORD");"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $(sql_string "$MARIADB_ROOT_PASSWORD");"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    for host in localhost 127.0.0.1 ::1; do
      echo "CREATE USER 'healthcheck'@'$host' IDENTIFIED BY '$health_password';"
    done
    if [ -n "${MARIADB_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\`;"
    fi
    if [ -n "${MARIADB_USER:-}" ] && [ -n "${MARIADB_PASSWORD:-}" ]; then
      echo "CREATE USER $(sql_string "$MARIADB_USER")@'%' IDENTIFIED BY $(sql_string "$MARIADB_PASSWORD");"
      if [ -n "${MARIADB_DATABASE:-}" ]; then
        echo "GRANT ALL ON \`$MARIADB_DATABASE\`.* TO $(sql_string "$MARIADB_USER")@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$socket.init" -uroot
  cat >"$datadir/.my-healthcheck.cnf" <<CNF
[mariadb-client]
port=3306
socket=$socket
default-character-set=utf8mb4
protocol=tcp
user=healthcheck
password=$health_password
CNF
  chmod 600 "$datadir/.my-healthcheck.cnf"
  mariadb-admin --socket="$socket.init" -uroot --password="$MARIADB_ROOT_PASSWORD" shutdown
  wait "$pid"
  say "database initialised"
}

if [ "${1:-mariadbd}" != mariadbd ]; then exec "$@"; fi
if [ ! -d "$datadir/mysql" ]; then initialise; fi
exec mariadbd --datadir="$datadir"
