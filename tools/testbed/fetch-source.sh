#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-source.sh SUITE PACKAGE VERSION DIR - put PACKAGE=VERSION's kernel
# tarball (usr/src/*.tar.xz) under DIR without installing anything.
#
# The package comes from a Debian suite this machine does not use (e.g.
# trixie-backports on Debian 12). Rather than adding that suite to the
# system's apt sources and pinning it, apt runs here on a private state
# (sources, lists and cache under DIR/apt) that names only SUITE, and the
# .deb is unpacked with dpkg-deb -x: no package of that suite can reach
# the system, and the system's apt state stays as it was. Prints the path
# of the tarball.
set -euo pipefail

suite=$1 pkg=$2 version=$3 dir=$(realpath -m "$4")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
apt=$dir/apt
die() { echo "fetch-source: $*" >&2; exit 1; }

deb=$dir/${pkg}_${version//:/%3a}_all.deb
if [ ! -f "$dir/.unpacked-$pkg-$version" ]; then
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc"
	echo "deb $mirror $suite main" > "$apt/etc/sources.list"
	opts=(-o "Dir::Etc::SourceList=$apt/etc/sources.list"
	      -o "Dir::Etc::SourceParts=$apt/etc/none.d"
	      -o "Dir::State::Lists=$apt/lists"
	      -o "Dir::Cache=$apt/cache"
	      -o "Dir::State::Status=/var/lib/dpkg/status"
	      -o "APT::Get::List-Cleanup=0"
	      -o "APT::Sandbox::User=root")
	echo "fetch-source: apt-get update ($suite only, private state in $apt)" >&2
	apt-get "${opts[@]}" -qq update >&2 ||
		die "apt-get update of $suite failed"
	if ! (cd "$dir" && apt-get "${opts[@]}" -qq download "$pkg=$version") >&2; then
		die "cannot download $pkg $version from $suite" \
		    "(set the version to one of: $(apt-cache "${opts[@]}" madison "$pkg" |
						awk '{print $3}' | xargs))"
	fi
	[ -f "$deb" ] || deb=$(ls "$dir"/"${pkg}"_*.deb | head -1)
	rm -rf "$dir/root"
	dpkg-deb -x "$deb" "$dir/root"
	rm -f "$deb"
	touch "$dir/.unpacked-$pkg-$version"
fi
tarball=$(ls "$dir"/root/usr/src/linux-source-*.tar.xz 2>/dev/null | head -1)
[ -n "$tarball" ] || die "$pkg $version holds no usr/src/linux-source-*.tar.xz"
echo "$tarball"
