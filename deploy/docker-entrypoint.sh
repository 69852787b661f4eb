#!/bin/sh
# The image's entry: `shop` (default), `hq`, or an operator command (`backup`,
# `sync status`, `shop init-from-hq`…). exec: SIGTERM reaches Node itself,
# which drains requests and jobs, then stops PostgreSQL.
set -eu
cd /opt/comptoir
# Two malloc arenas instead of one per thread: see deploy/systemd/comptoir.service.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
role="${1:-shop}"
case "$role" in
  shop)
    shift || true
    exec node --max-old-space-size=96 --max-semi-space-size=4 --import tsx server/main.ts "$@"
    ;;
  hq)
    shift
    export COMPTOIR_ROLE=hq
    exec node --import tsx server/main.ts --hq "$@"
    ;;
  *)
    exec node bin/comptoir.js "$@"
    ;;
esac
