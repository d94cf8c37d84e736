#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT INIT [BINARY...] - build an uncompressed newc initramfs:
# static busybox, INIT as /init, and each BINARY at its host path together
# with the shared libraries ldd reports for it (Debian's fio by default).
# A BINARY given as SRC=DST is installed at DST.
set -euo pipefail
out=$1 init=$2
shift 2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$root/bin/busybox"
cp "$init" "$root/init"
chmod +x "$root/init"
for arg in "$@"; do
	bin=${arg%%=*} dst=${arg#*=}
	mkdir -p "$root/$(dirname "$dst")"
	cp -L "$bin" "$root/$dst"
	for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' || true); do
		mkdir -p "$root/$(dirname "$lib")"
		[ -e "$root/$lib" ] || cp -L "$lib" "$root/$lib"
	done
done
# Debian's ld.so is found via /lib64 (usrmerge: /lib64 -> usr/lib64)
[ -e "$root/lib64" ] || { [ -d "$root/usr/lib64" ] && ln -s usr/lib64 "$root/lib64"; } || true
[ -e "$root/lib" ] || { [ -d "$root/usr/lib" ] && ln -s usr/lib "$root/lib"; } || true
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -h "$out" | cut -f1))"
