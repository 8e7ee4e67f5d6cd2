#!/bin/sh
# Makes every Medusa package's dist/migrations folder, empty where the package has none. On each
# `medusa db:migrate`, Medusa's migrator (MikroORM) creates that folder for every module that lacks
# one, which a read-only root filesystem refuses (the chart's pods run with one): the migrations
# Job failed with "ENOENT: ... mkdir '/server/node_modules/@medusajs/locking/dist/migrations'".
# Run in the server folder after its production dependencies are installed (the image builds).
set -eu
for dist in node_modules/@medusajs/*/dist; do
  [ -d "$dist" ] && mkdir -p "$dist/migrations"
done
