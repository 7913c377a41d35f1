#!/bin/sh
# Install the Debian packages warden's build and tests need, only when missing.
set -e
PKGS="build-essential pkg-config libinih-dev libjansson-dev libmicrohttpd-dev libcmocka-dev
      busybox-static qemu-system-x86 linux-image-amd64 iproute2 procps util-linux cpio gzip
      curl prometheus chromium xz-utils nodejs python3 memcached
      golang-go default-jre-headless clang-tidy"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing (run as root to install them)" >&2
    exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
