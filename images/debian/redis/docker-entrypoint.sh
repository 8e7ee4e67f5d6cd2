#!/bin/sh
# Redis from Debian's packages, with the official redis image's contract that the Medusa store
# chart relies on: the arguments are the command (`redis-server --requirepass ...`), or options
# for redis-server when the first one is a flag. Runs as the pod's user (999); writes only to
# the data folder it is given (--dir) and /tmp.
set -eu
case "${1:-}" in
  '' ) set -- redis-server ;;
  -*) set -- redis-server "$@" ;;
esac
exec "$@"
