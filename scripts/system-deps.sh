#!/usr/bin/env bash
# Debian/Ubuntu system packages the app and its tests need (Qt offscreen/xcb, fonts, PortAudio,
# and a PostgreSQL server the tests start privately to prove the schema is portable).
# Installs only what is missing, so a second run does nothing. Elsewhere it only says what to install.
set -euo pipefail
packages=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
          libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 fonts-dejavu-core libportaudio2
          postgresql)
if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "Not a Debian-based system: make sure Qt 6's and PortAudio's system libraries are installed." >&2
    exit 0
fi
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "Missing system packages: ${missing[*]}. Install them as root (apt-get install ${missing[*]})." >&2
        exit 1
    fi
else
    SUDO=
fi
echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
