#!/bin/sh
# Creates the store's first Medusa admin user, once. Runs in the Medusa image (Job medusa-admin)
# after its init container checked the database: `medusa user` fails when the user exists, so an
# existing user (ADMIN_EXISTS_FILE present) is success and nothing is run.
set -eu

: "${ADMIN_EMAIL:?ADMIN_EMAIL is not set}"
: "${ADMIN_PASSWORD_FILE:?ADMIN_PASSWORD_FILE is not set}"
: "${ADMIN_EXISTS_FILE:?ADMIN_EXISTS_FILE is not set}"
medusa=${MEDUSA_CLI:-./node_modules/.bin/medusa}

if [ -e "$ADMIN_EXISTS_FILE" ]; then
  echo "medusa-admin: admin user $ADMIN_EMAIL already exists; nothing to do"
  exit 0
fi
[ -s "$ADMIN_PASSWORD_FILE" ] || {
  echo "medusa-admin: $ADMIN_PASSWORD_FILE is missing or empty (key admin-password of the medusa Secret)" >&2
  exit 1
}
password=$(cat "$ADMIN_PASSWORD_FILE")
echo "medusa-admin: creating admin user $ADMIN_EMAIL"
exec "$medusa" user -e "$ADMIN_EMAIL" -p "$password"
