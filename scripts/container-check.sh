#!/usr/bin/env bash
# Builds the image, brings the compose stack up (the shop on PostgreSQL 15),
# makes a sale through the API, restarts the app container, finds the sale
# again, and tears everything down. Needs Podman and podman-compose (or
# Docker); on a machine without a registry, run
# ../shared/tools/local-container-images.sh once first (as root).
# Run: bash scripts/container-check.sh   (in .ci/run: CONTAINER_CHECK=1)
set -euo pipefail
cd "$(dirname "$0")/.."

conf="${XDG_CACHE_HOME:-$HOME/.cache}/comptoir-containers/containers.conf"
[ -f "$conf" ] && export CONTAINERS_CONF="$conf"
export BUILDAH_FORMAT=docker   # keeps the HEALTHCHECK
if command -v podman-compose >/dev/null 2>&1; then compose=(podman-compose); engine=podman
elif command -v docker >/dev/null 2>&1; then compose=(docker compose); engine=docker
else echo "container-check: neither podman-compose nor docker is installed" >&2; exit 1; fi

project=comptoircheck
port="${SHOP_PORT:-3990}"
pin=482615
export SHOP_PORT="$port" COMPTOIR_ADMIN_PIN="$pin" SHOP_CODE=CTR01 POSTGRES_PASSWORD="check-$RANDOM$RANDOM"
down() { "${compose[@]}" -p "$project" down -v >/dev/null 2>&1 || true; }
trap down EXIT
down

step() { echo "== $*"; }
step "build"
"$engine" build -t localhost/comptoir:latest .
step "start"
"${compose[@]}" -p "$project" up -d db shop   # named: podman-compose 1.0 ignores profiles

wait_healthy() {
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then return 0; fi
    sleep 2
  done
  echo "the shop did not answer on :$port" >&2
  "${compose[@]}" -p "$project" logs --tail 80 shop >&2 || true
  return 1
}
wait_healthy

jar=$(mktemp)
api() { curl -fsS -b "$jar" -c "$jar" -H 'content-type: application/json' "$@"; }
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }

step "a sale through the API"
api "http://127.0.0.1:$port/api/session" -d "{\"pin\":\"$pin\"}" >/dev/null
product=$(api "http://127.0.0.1:$port/api/products" -d '{"sku":"CTR-1","name":"Paracétamol 500 mg","unitPrice":800}' | field id)
api "http://127.0.0.1:$port/api/batches" -d "{\"productId\":\"$product\",\"lotNumber\":\"C1\",\"expirationDate\":\"2030-01-31\",\"quantity\":10}" >/dev/null
sale=$(api "http://127.0.0.1:$port/api/sales" -d "{\"lines\":[{\"productId\":\"$product\",\"quantity\":2}],\"payment\":{\"method\":\"cash\",\"tendered\":2000}}" | field id)
echo "sale $sale"

app_container() {
  if [ "$engine" = podman ]; then podman ps --filter "label=io.podman.compose.project=$project" --filter name=shop --format '{{.Names}}' | head -1
  else docker compose -p "$project" ps -q shop; fi
}

step "the health check the image declares"
if [ "$engine" = podman ]; then podman healthcheck run "$(app_container)"; fi

step "restart the app container"
"${compose[@]}" -p "$project" restart shop
wait_healthy
api "http://127.0.0.1:$port/api/session" -d "{\"pin\":\"$pin\"}" >/dev/null
number=$(api "http://127.0.0.1:$port/api/sales/$sale" | field number)
[ "$number" = "CTR01-000001" ] || { echo "the sale is not there after a restart (got: $number)" >&2; exit 1; }
left=$(api "http://127.0.0.1:$port/api/products/$product/batches" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].quantity))')
[ "$left" = "8" ] || { echo "stock after restart: $left, expected 8" >&2; exit 1; }

step "a backup from inside the container"
"$engine" exec "$(app_container)" comptoir-entrypoint backup

echo "container-check: passed"
