#!/usr/bin/env bash
# Installs what the project needs on Debian: the system packages (Debian's Chromium for the
# end-to-end tests, Python with Debian's Django for the simulated server, Xvfb for headful
# screenshots), the Wine lane's tools (Wine, mingw, osslsigncode: npm run test:windows) and the
# node modules (npm ci, with the Electron binary download skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(chromium xvfb python3 python3-django python3-venv python3-setuptools-whl python3-wheel-whl python3-waitress python3-packaging python3-whitenoise python3-dj-database-url python3-dotenv python3-psycopg2 python3-pip python3-setuptools fonts-dejavu-core)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Wine with its recommended packages (as measured in windows-iis.md §10; wine32 is skipped: no i386).
WINE_PKGS=(wine64 wine gcc-mingw-w64-x86-64-win32 osslsigncode openssl)
wine_missing=()
for p in "${WINE_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || wine_missing+=("$p")
done
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ((${#missing[@]} + ${#wine_missing[@]})); then $SUDO apt-get update -qq; fi
if ((${#missing[@]})); then
  echo "Installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ((${#wine_missing[@]})); then
  echo "Installing Debian packages for the Wine lane: ${wine_missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${wine_missing[@]}" >/dev/null
fi
/usr/bin/python3 -c 'import setuptools, django, venv, pip' || { echo "Debian's python3-django / python3-venv / python3-pip are not usable at /usr/bin/python3" >&2; exit 1; }
test -x /usr/bin/chromium || { echo "/usr/bin/chromium is missing" >&2; exit 1; }
# The rehearsal's real Django 4.2/5.2/6.1 and add-ons: Debian's architecture-independent packages
# unpacked into .cache/python-store (a sources list of the project's own; the system's stays as it is).
bash scripts/python-store.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
