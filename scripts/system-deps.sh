#!/bin/sh
# The system packages the studio needs, with apt-get (Debian, Ubuntu), for the
# README's commands and CI alike:
#   sh scripts/system-deps.sh demo   ffmpeg, a caption font and espeak-ng (the offline voice; run as a program)
#   sh scripts/system-deps.sh test   also Chromium and nginx-rtmp (npm test)
# Works as root without sudo (containers, fresh servers) and as a user with sudo.
# Nothing is installed when every package is already there, so a re-run needs no root.
set -eu

case "${1:-}" in
  demo) PACKAGES="ffmpeg fonts-dejavu-core espeak-ng" ;;
  test) PACKAGES="ffmpeg chromium fonts-dejavu-core espeak-ng nginx libnginx-mod-rtmp" ;;
  *)
    echo "usage: sh scripts/system-deps.sh demo|test" >&2
    exit 2
    ;;
esac

missing=""
for p in $PACKAGES; do
  if ! command -v dpkg-query >/dev/null 2>&1 ||
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing="$missing $p"
  fi
done
if [ -z "$missing" ]; then
  echo "system-deps: already installed:$(printf ' %s' $PACKAGES)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: no apt-get here (not Debian/Ubuntu). Install these with your package manager:$missing" >&2
  exit 1
fi

if [ "$(id -u)" = "0" ]; then
  AS_ROOT=""
elif command -v sudo >/dev/null 2>&1; then
  AS_ROOT="sudo"
else
  echo "system-deps: installing$missing needs root, and sudo is not installed. Run this as root (or install sudo)." >&2
  exit 1
fi

# A fresh container has no package lists yet: update first.
$AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get update
# shellcheck disable=SC2086 # one word per package
$AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
