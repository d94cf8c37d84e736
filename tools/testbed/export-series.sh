#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# export-series.sh - turn a branch of commits on "base" into patches/ and
# the new files, the inverse of mktree.sh.
#
# usage: export-series.sh SRCDIR BRANCH REPO [BASE]
#
# Every commit of base..BRANCH becomes patches/NNNN-*.patch (git
# format-patch, without the files the commit creates); its line in
# patches/series names those new files. The new files are written to REPO
# in their form at BRANCH: *_kunit.c under kunit/<kernel path>, the others
# at their kernel path. New files of the previous export that BRANCH no
# longer has are removed. mktree.sh on the result rebuilds BRANCH's trees.
# With BASE (a second kernel base, e.g. 7.3), the patches go to
# patches/BASE/ and every new file to kunit/BASE/<kernel path>.
set -euo pipefail

src=$1 branch=$2 repo=$(cd "$3" && pwd) base=${4:-}
pdir=$repo/patches${base:+/$base}
mkdir -p "$pdir"
cd "$src"
git rev-parse -q --verify "$branch" >/dev/null || { echo "export-series: no branch $branch" >&2; exit 1; }

repo_path() {
	[ -z "$base" ] || { echo "kunit/$base/$1"; return; }
	case "$1" in
	*_kunit.c) echo "kunit/$1" ;;
	*) echo "$1" ;;
	esac
}

# the previous export's new files
if [ -n "$base" ]; then
	rm -rf "${repo:?}/kunit/$base"
else
	for f in $(cd "$repo" && { find io_uring block drivers include kunit -mindepth 1 -type f \
			! -name '*.kunitconfig' -not -path 'kunit/[0-9]*' 2>/dev/null || true; }); do
		rm -f "$repo/$f"
	done
fi
rm -f "$pdir"/[0-9][0-9][0-9][0-9]-*.patch
: > "$pdir/series"

n=0
for c in $(git rev-list --reverse "base..$branch"); do
	n=$((n + 1))
	new=$(git diff --name-only --diff-filter=A "$c~1" "$c")
	excl=()
	for f in $new; do excl+=(":(exclude)$f"); done
	p=$(git format-patch --zero-commit --no-signature --start-number=$n \
		-o "$pdir" -1 "$c" -- . "${excl[@]}")
	echo "$(basename "$p")${new:+ $(echo $new)}" >> "$pdir/series"
done
for f in $(git diff --name-only --diff-filter=A base "$branch"); do
	mkdir -p "$(dirname "$repo/$(repo_path "$f")")"
	git show "$branch:$f" > "$repo/$(repo_path "$f")"
done
find "$repo/io_uring" "$repo/block" "$repo/drivers" "$repo/include" "$repo/kunit" \
	-type d -empty -delete 2>/dev/null || true
echo "export-series: $n patches, $(git diff --name-only --diff-filter=A base "$branch" | wc -l) new files"
