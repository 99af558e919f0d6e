#!/usr/bin/env bash
# The rehearsal's store of real pure-Python packages (issue #36): Debian's architecture-independent
# packages of the Django series the rehearsal runs (4.2, 5.2, 6.1; 3.2 is the system's) and the
# common add-ons, fetched with apt-get download through a sources list of the project's own
# (passed with apt's -o options: the system's sources, its installed packages and its Python stay
# untouched), unpacked with dpkg-deb -x into one folder per distribution and version, and recorded
# in index.json (name, version, folder, the Debian package it came from).
#
#   bash scripts/python-store.sh [STORE]      (default: .cache/python-store in the repository)
#
# A series names the versions wanted ("python3-django 5.2": the newest 5.2.x any suite has);
# "newest" takes the newest one. Nothing is installed; the store is a folder of folders.
set -euo pipefail
cd "$(dirname "$0")/.."
STORE="${1:-${DJANGO_IIS_PY_STORE:-$PWD/.cache/python-store}}"
mkdir -p "$STORE/apt/lists/partial" "$STORE/apt/sources.d" "$STORE/debs" "$STORE/dists"
cat > "$STORE/apt/sources.d/store.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-backports trixie sid experimental
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
APT=(-o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$STORE/apt/sources.d" -o "Dir::State::Lists=$STORE/apt/lists" -o Dir::State::status=/dev/null -o Dir::Cache="$STORE/apt/cache" -o APT::Architectures::=amd64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
mkdir -p "$STORE/apt/cache/archives/partial"
# The lists are fetched again when older than a day (sid and experimental move).
if [ -z "$(find "$STORE/apt/lists" -maxdepth 1 -name '*_Packages' -mtime -1 2>/dev/null | head -1)" ]; then
  apt-get "${APT[@]}" -qq update
fi

# package  series (major.minor, or "newest")
WANT=(
  "python3-django 3.2" "python3-django 4.2" "python3-django 5.2" "python3-django 6.1"
  "python3-asgiref newest" "python3-asgiref 3.8" "python3-sqlparse newest" "python3-sqlparse 0.4"
  "python3-djangorestframework newest" "python3-djangorestframework 3.16"
  "python3-whitenoise newest" "python3-dj-database-url newest" "python3-dj-database-url 0.5"
  "python3-dotenv newest" "python3-waitress newest" "python3-typing-extensions newest"
  "python3-django-filters newest" "python3-django-cors-headers newest" "python3-gunicorn newest"
  "python3-tz 2022.7"
)
index="$STORE/index.json.tmp"
echo '[' > "$index"
first=1
for w in "${WANT[@]}"; do
  read -r pkg series <<< "$w"
  versions=$(apt-cache "${APT[@]}" madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -u)
  pick=""
  for v in $(printf '%s\n' $versions | sort -V -r); do
    up="${v#*:}"; up="${up%%-*}"; up="${up%%+*}"
    if [ "$series" = newest ] || [[ "$up" == "$series".* ]] || [ "$up" = "$series" ]; then pick="$v"; break; fi
  done
  if [ -z "$pick" ]; then echo "python-store: no $pkg $series in Debian's suites (bookworm..experimental)" >&2; exit 1; fi
  up="${pick#*:}"; up="${up%%-*}"; up="${up%%+*}"
  folder="$STORE/dists/${pkg#python3-}-$up"
  if [ ! -d "$folder/usr/lib/python3/dist-packages" ]; then
    rm -rf "$folder" && mkdir -p "$folder"
    (cd "$STORE/debs" && apt-get "${APT[@]}" -qq download "$pkg=$pick")
    deb="$STORE/debs/${pkg}_${pick//:/%3a}_all.deb"
    [ -f "$deb" ] || { echo "python-store: $pkg $pick was not downloaded as an architecture-independent package ($deb)" >&2; exit 1; }
    dpkg-deb -x "$deb" "$folder"
    # Debian links some bundled assets to other packages (/usr/share/javascript, fonts): such a link
    # points outside the store and is removed (said in the index), so collectstatic never follows one.
    find "$folder" -type l ! -exec test -e {} \; -print > "$folder/.removed-links"
    find "$folder" -type l -lname '/*' -print >> "$folder/.removed-links"
    sort -u -o "$folder/.removed-links" "$folder/.removed-links"
    xargs -r rm -f < "$folder/.removed-links"
  fi
  site="$folder/usr/lib/python3/dist-packages"
  [ -d "$site" ] || { echo "python-store: $pkg $pick has no dist-packages folder" >&2; exit 1; }
  # Debian built some packages without their version (dj-database-url 3.1.2 says 0.0.0): the metadata
  # gets the upstream version pip would see, its folder renamed to match (said in the index).
  fixed=false
  for di in "$site"/*-0.0.0.dist-info; do
    [ -d "$di" ] && [ "$up" != 0.0.0 ] || continue
    sed -i "s/^Version: 0\.0\.0$/Version: $up/" "$di/METADATA"
    mv "$di" "${di%-0.0.0.dist-info}-$up.dist-info"
    touch "$folder/.version-fixed"
  done
  [ -f "$folder/.version-fixed" ] && fixed=true
  meta=$(cat "$site"/*.dist-info/METADATA "$site"/*.egg-info/PKG-INFO "$site"/*.egg-info 2>/dev/null || true)
  name=$(sed -n 's/^Name: //p' <<< "$meta" | head -1)
  dv=$(sed -n 's/^Version: //p' <<< "$meta" | head -1)
  links=$(wc -l < "$folder/.removed-links")
  [ $first = 1 ] || echo ',' >> "$index"
  first=0
  printf '  {"name": "%s", "version": "%s", "site": "%s", "debian": "%s=%s", "removedLinks": %s, "versionFixed": %s}' "${name:-${pkg#python3-}}" "${dv:-$up}" "$site" "$pkg" "$pick" "$links" "$fixed" >> "$index"
done
echo '' >> "$index"
echo ']' >> "$index"
mv "$index" "$STORE/index.json"
echo "python-store: $(grep -c '"name"' "$STORE/index.json") distributions in $STORE"
