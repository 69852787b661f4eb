#!/bin/sh
# A till terminal: Chromium full screen on the shop server, no address bar,
# restarted if it closes. Started by comptoir-kiosk.desktop at login.
# COMPTOIR_URL overrides the address (default: the shop server found by mDNS).
url="${COMPTOIR_URL:-http://comptoir.local:3000/caisse}"
# Chromium says so at the next start when it was killed: not on a till.
sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"[^"]*"/"exit_type":"Normal"/' \
  "$HOME/.config/chromium/Default/Preferences" 2>/dev/null || true
while true; do
  chromium --kiosk --noerrdialogs --disable-infobars --no-first-run --disable-session-crashed-bubble \
    --disable-translate --overscroll-history-navigation=0 --check-for-update-interval=31536000 "$url"
  sleep 2
done
