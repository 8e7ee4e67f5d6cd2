#!/bin/bash
# healthcheck.sh of the official mariadb image, the two checks the store chart uses:
#   --connect             the server accepts a TCP connection and a query
#   --innodb_initialized  InnoDB has finished starting
# It signs in as the `healthcheck` user the entrypoint created (no password on the command line).
set -euo pipefail
defaults=/var/lib/mysql/.my-healthcheck.cnf
query() { mariadb --defaults-extra-file="$defaults" --skip-column-names --batch -e "$1"; }
status=0
for check in "$@"; do
  case "$check" in
    --connect) query 'SELECT 1' >/dev/null || status=1 ;;
    --innodb_initialized)
      [ "$(query "SELECT 1 FROM information_schema.ENGINES WHERE engine = 'InnoDB' AND support IN ('YES', 'DEFAULT', 'ENABLED')")" = 1 ] || status=1 ;;
    *) echo "healthcheck.sh: unknown check $check" >&2; exit 2 ;;
  esac
done
exit "$status"
