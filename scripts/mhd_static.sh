#!/bin/sh
# SPDX-License-Identifier: MIT
# Build a static libmicrohttpd without HTTPS for `make static`: Debian's libmicrohttpd.a is
# built with GnuTLS, and GnuTLS's p11-kit and libunistring have no static archives, so a
# static warden cannot link it. This fetches Debian's own source package of the installed
# version (apt-get source, from a temporary deb-src list: nothing in /etc/apt is changed),
# configures it with --disable-https and the features warden does not use left out, and
# installs libmicrohttpd.a into OUT (default build-mhd/). The header stays Debian's
# (/usr/include/microhttpd.h, the same version). Idempotent: an existing OUT/lib/libmicrohttpd.a
# is kept. Needs dpkg-dev (dpkg-source), xz-utils and a C compiler; network to the Debian
# archive. Exits non-zero when any step fails; `make static` then links without the
# metrics server (dlopen, which a static binary cannot use) and says so.
set -eu
out=${1:-build-mhd}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
[ -f "$out/lib/libmicrohttpd.a" ] && { echo "mhd_static: $out/lib/libmicrohttpd.a already built"; exit 0; }
ver=$(dpkg-query -W -f '${Version}' libmicrohttpd-dev 2>/dev/null) ||
    { echo "mhd_static: libmicrohttpd-dev is not installed" >&2; exit 1; }
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
work=$(mktemp -d /tmp/warden-mhd.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sources" "$work/lists/partial"
printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$suite" > "$work/sources/src.sources"
apt_opts="-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts=$work/sources -o Dir::State::lists=$work/lists"
# shellcheck disable=SC2086
apt-get -q $apt_opts update >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }
# shellcheck disable=SC2086
(cd "$work" && apt-get -q $apt_opts source --download-only "libmicrohttpd=$ver" >>apt.log 2>&1) ||
    { tail -n 5 "$work/apt.log" >&2; exit 1; }
tarball=$(ls "$work"/libmicrohttpd_*.orig.tar.* | head -n 1)
tar -C "$work" -xf "$tarball"
src=$(ls -d "$work"/libmicrohttpd-*/ | head -n 1)
echo "mhd_static: building $(basename "$src") ($ver) without HTTPS into $out"
(cd "$src" && ./configure -q --prefix="$out" --disable-https --disable-shared --enable-static \
    --disable-doc --disable-examples --disable-curl --disable-dauth --disable-bauth \
    --disable-postprocessor --disable-httpupgrade >"$work/configure.log" 2>&1 &&
    make -s -j"$(nproc)" -C src/microhttpd >"$work/make.log" 2>&1 &&
    make -s -C src/microhttpd install >>"$work/make.log" 2>&1) ||
    { tail -n 20 "$work/configure.log" "$work/make.log" >&2; exit 1; }
ls -l "$out/lib/libmicrohttpd.a"
