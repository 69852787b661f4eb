#!/usr/bin/env bash
# Checks the install kit as CI can without a Raspberry Pi: shellcheck on every
# script, systemd-analyze verify on the units (their ExecStart pointed at this
# machine's node, since /opt/comptoir exists only once installed).
set -euo pipefail
cd "$(dirname "$0")/.."
shellcheck deploy/install.sh deploy/docker-entrypoint.sh deploy/kiosk/comptoir-kiosk.sh scripts/container-check.sh scripts/verify-deploy.sh .ci/run
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node_bin=$(command -v node)
for unit in deploy/systemd/*.service; do
  sed "s#/opt/comptoir/node/bin/node#$node_bin#" "$unit" > "$tmp/$(basename "$unit")"
  out=$(systemd-analyze verify "$tmp/$(basename "$unit")" 2>&1 || true)
  # Only what concerns our unit: a container or a chroot may lack units we do not name.
  if grep -v -e 'Unit .* not found' -e 'sysinit.target' -e '^$' <<<"$out" | grep -q .; then
    echo "$out" >&2
    exit 1
  fi
  echo "$(basename "$unit"): ok"
done
echo "verify-deploy: shellcheck and systemd units ok"
