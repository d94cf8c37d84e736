#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# series-check.sh - check the series make series wrote, as a maintainer
# would receive it.
#
# usage: series-check.sh SRCDIR SERIESDIR WORKDIR [BUILDCONFIG]
#
#  1. git am the patches onto the pristine base, in a worktree WORKDIR/am;
#  2. the result must be ours, tree for tree;
#  3. checkpatch.pl --strict on every patch: no error, no warning; checks
#     only in patches whose message justifies them (mentions checkpatch).
#     "added file, does MAINTAINERS need updating?" is answered here
#     instead: every file the series adds must have a maintainer other
#     than THE REST (scripts/get_maintainer.pl);
#  4. a table of the patches: lines of code and of tests each adds;
#     none may add more than SERIES_MAX_CODE (600) lines of non-test code;
#  5. with BUILDCONFIG (a .config): every step of the series is built
#     (olddefconfig from BUILDCONFIG, bzImage, then W=1 for the series' C
#     files present at that step) in WORKDIR/build.
set -euo pipefail

src=$(realpath "$1") dir=$(realpath "$2") work=$(realpath -m "$3") config=${4:-}
max_code=${SERIES_MAX_CODE:-600}
die() { echo "series-check: $*" >&2; exit 1; }
am=$work/am
fail=0

mkdir -p "$work"
if [ ! -e "$am/.git" ]; then
	git -C "$src" worktree prune
	git -C "$src" worktree add -q --detach "$am" base
fi
git -C "$am" am --abort >/dev/null 2>&1 || true
git -C "$am" checkout -q --detach base
git -C "$am" reset -q --hard base
git -C "$am" clean -fdq
mapfile -t patches < <(ls "$dir"/[0-9][0-9][0-9][0-9]-*.patch | grep -v '/0000-cover-letter.patch$')
[ ${#patches[@]} -gt 0 ] || die "no patches in $dir"

# 1-2. apply, compare
git -C "$am" -c user.name=series-check -c user.email=series-check@localhost.invalid \
	am -q "${patches[@]}" || die "git am failed"
if [ "$(git -C "$am" rev-parse 'HEAD^{tree}')" != "$(git -C "$src" rev-parse 'ours^{tree}')" ]; then
	git -C "$src" diff --stat "$(git -C "$am" rev-parse HEAD)" ours >&2 || true
	die "git am of $dir onto base differs from ours"
fi
echo "series-check: ${#patches[@]} patches apply onto base with git am; result identical to ours"

# 3. checkpatch (its SPDX check runs scripts/spdxcheck.py with python3-ply,
#    python3-git: Debian's python3, not whatever python3 comes first)
cd "$am"
for p in "${patches[@]}"; do
	out=$(PATH=/usr/bin:/bin:$PATH ./scripts/checkpatch.pl --strict -q \
		--ignore FILE_PATH_CHANGES --summary-file "$p" 2>&1 || true)
	sum=$(echo "$out" | sed -n 's/.*total: \([0-9]*\) errors, \([0-9]*\) warnings, \([0-9]*\) checks.*/\1 \2 \3/p')
	if echo "$out" | grep -q 'Traceback\|No such file'; then
		echo "$out" >&2
		die "checkpatch could not run its checks on $(basename "$p")"
	fi
	read -r e w c <<< "${sum:-0 0 0}"
	msg=$(sed -n '/^Subject:/,/^---$/p' "$p")
	if [ "$e" != 0 ] || [ "$w" != 0 ]; then
		echo "$out"
		echo "series-check: $(basename "$p"): $e errors, $w warnings" >&2
		fail=1
	elif [ "$c" != 0 ] && ! echo "$msg" | grep -qi checkpatch; then
		echo "$out"
		echo "series-check: $(basename "$p"): $c checks, not justified in its message" >&2
		fail=1
	fi
done
for f in $(git diff --name-only --diff-filter=A base HEAD); do
	if ! ./scripts/get_maintainer.pl --no-git --no-git-fallback --no-rolestats \
		--no-l --no-r -f "$f" 2>/dev/null | grep -qv 'torvalds@linux-foundation.org'; then
		echo "series-check: $f has no maintainer but THE REST" >&2
		fail=1
	fi
done
[ $fail = 0 ] && echo "series-check: checkpatch --strict clean (checks only where justified); every new file has a maintainer"

# 4. sizes
big=()
printf '%-4s %6s %6s %6s  %s\n' "" code -code tests subject
n=0
for c in $(git rev-list --reverse base..HEAD); do
	n=$((n + 1))
	read -r a d t <<< "$(git diff --numstat "$c~1" "$c" |
		awk '$3 ~ /_kunit\.c$|kunitconfig/ { t += $1; next } { a += $1; d += $2 } END { print a + 0, d + 0, t + 0 }')"
	printf '%04d %6d %6d %6d  %s\n' $n "$a" "$d" "$t" "$(git log -1 --format=%s "$c")"
	[ "$a" -le "$max_code" ] || big+=("patch $n adds $a lines of non-test code (> $max_code)")
done
for m in "${big[@]}"; do echo "series-check: $m" >&2; done
[ $fail = 0 ] && [ ${#big[@]} = 0 ] || die "failed"

# 5. every step builds
[ -n "$config" ] || exit 0
b=$work/build
mkdir -p "$b"
tip=$(git rev-parse HEAD)
cfiles=$(git diff --name-only base HEAD -- '*.c')
n=0
for c in $(git rev-list --reverse base..HEAD); do
	n=$((n + 1))
	git checkout -q --detach "$c"
	cp "$config" "$b/.config"
	start=$(date +%s)
	kmake() { make -s O="$b" ARCH=x86_64 LOCALVERSION= CC="${CC_KERNEL:-ccache gcc}" \
		-j"$(nproc)" "$@"; }
	kmake olddefconfig >/dev/null
	if ! kmake bzImage > "$b/step-$n.log" 2>&1; then
		tail -30 "$b/step-$n.log" >&2
		die "step $n ($(git log -1 --format=%s)) does not build"
	fi
	objs=()
	for f in $cfiles; do
		[ -f "$f" ] && objs+=("${f%.c}.o")
	done
	# built-in or not configured objects: W=1 rebuilds what .config builds
	kmake W=1 "${objs[@]}" > "$b/step-$n-w1.log" 2>&1 || true
	if grep -E 'warning:|error:' "$b/step-$n-w1.log" | grep -v 'is not configured'; then
		die "step $n: W=1 warnings in the series' files"
	fi
	echo "series-check: step $n builds ($(( $(date +%s) - start ))s, W=1 clean): $(git log -1 --format=%s)"
done
git checkout -q --detach "$tip"
