#!/usr/bin/env bash
# Installs what the project needs on Debian: the system packages (Debian's Chromium for the
# end-to-end tests, Python with Debian's Django for the simulated server, Xvfb for headful
# screenshots) and the node modules (npm ci, with the Electron binary download skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(chromium xvfb python3 python3-django python3-venv python3-waitress python3-packaging python3-whitenoise python3-dj-database-url python3-dotenv python3-psycopg2 fonts-dejavu-core)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
/usr/bin/python3 -c 'import django, venv' || { echo "Debian's python3-django / python3-venv are not usable at /usr/bin/python3" >&2; exit 1; }
test -x /usr/bin/chromium || { echo "/usr/bin/chromium is missing" >&2; exit 1; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
