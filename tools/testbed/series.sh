#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# series.sh - write the series we would post: ours as patches against the
# pristine base, authored and signed off by SIGNOFF, with a cover letter.
#
# usage: series.sh SRCDIR OUTDIR SIGNOFF REPO E2EDIR [BASE]
#
# SIGNOFF is "Name <email>" (the Makefile defaults it to git config
# user.name/user.email). The cover letter is REPO/patches/cover-letter:
# its first paragraph is the subject, "@BENCH@" is replaced by the newest
# bench tables found in E2EDIR (make bench, bench-premap, bench-large,
# bench-poll). The commits are rebuilt on branch "posted" of SRCDIR with
# the same trees. With BASE (a second kernel base, e.g. 7.3) the cover
# letter is REPO/patches/BASE/cover-letter.
set -euo pipefail

src=$1 out=$(realpath -m "$2") signoff=$3 repo=$(realpath "$4") e2e=$(realpath -m "$5")
cover=$repo/patches${6:+/$6}/cover-letter
die() { echo "series: $*" >&2; exit 1; }

[[ "$signoff" =~ ^[^\<\>]+\ \<[^\<\>@\ ]+@[^\<\>\ ]+\>$ ]] ||
	die "SIGNOFF '$signoff' is not 'Name <email>': set git config user.name and user.email, or SIGNOFF="
name=${signoff% <*} email=${signoff##*<} email=${email%>}
case "$email" in
*.invalid) [ "${SERIES_CHECK_ONLY:-0}" = 1 ] ||
	die "SIGNOFF '$signoff' is a placeholder address" ;;
*@example.org|*@example.com|*@example.net|*@localhost)
	die "SIGNOFF '$signoff' is a placeholder address" ;;
esac
export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email
export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email

cd "$src"
tip=$(git rev-parse base)
for c in $(git rev-list --reverse base..ours); do
	tip=$(git log -1 --format=%B "$c" |
		git interpret-trailers --if-exists addIfDifferent \
			--trailer "Signed-off-by: $signoff" |
		GIT_AUTHOR_DATE=$(git log -1 --format=%aD "$c") \
		GIT_COMMITTER_DATE=$(git log -1 --format=%aD "$c") \
		git commit-tree "$(git rev-parse "$c^{tree}")" -p "$tip")
done
git update-ref refs/heads/posted "$tip"

bench=$(mktemp)
trap 'rm -f "$bench"' EXIT
for b in bench bench-premap bench-large bench-poll; do
	f=$e2e/$b.txt
	[ -f "$f" ] || continue
	{
		echo "make $b ($(date -u -r "$f" +%Y-%m-%d)):"
		echo
		sed 's/^/    /' "$f"
		echo
	} >> "$bench"
done
[ -s "$bench" ] || echo "(no bench results on this machine: make bench, make bench-premap)" > "$bench"
desc=$(python3 - "$cover" "$bench" <<'PY'
import sys
text = open(sys.argv[1]).read()
print(text.replace('@BENCH@\n', open(sys.argv[2]).read()), end='')
PY
)

rm -rf "$out"
mkdir -p "$out"
git -c "branch.posted.description=$desc" format-patch -q --cover-letter \
	--cover-from-description=subject --no-signature --thread=shallow \
	-o "$out" base..posted
git branch -q -f posted "$tip" 2>/dev/null || true
echo "series: $(ls "$out" | wc -l) files in $out (cover letter + $(git rev-list --count base..posted) patches, signed off by $signoff)"
