#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mktree.sh - (re)create the patched kernel tree from the pinned Debian tarball.
#
# usage: mktree.sh TARBALL SRCDIR REPO
#
# SRCDIR is a git repository:
#   tag "base"  - the pristine tarball, committed once;
#   branch "ours" - base + one commit adding the project's new files
#                   (REPO/{io_uring,block,drivers,include} copied to the same
#                   kernel paths, REPO/kunit/<path> copied to <path>) + the
#                   patch series REPO/patches/series, applied in order with
#                   git-am semantics (author, date and message are kept).
# Commits are built with plumbing on a scratch index, then the work tree is
# moved with "git reset --hard", which rewrites only files whose content
# changed: the O= build stays incremental.
set -euo pipefail

tarball=$1 src=$2 repo=$(cd "$3" && pwd)
export GIT_AUTHOR_NAME="Premap Team" GIT_AUTHOR_EMAIL="premap@example.org"
export GIT_COMMITTER_NAME="Premap Team" GIT_COMMITTER_EMAIL="premap@example.org"
export GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"

if ! git -C "$src" rev-parse -q --verify refs/tags/base >/dev/null 2>&1; then
	echo "mktree: unpacking $tarball into $src"
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	git -C "$src" init -q -b ours
	git -C "$src" config gc.auto 0
	git -C "$src" config core.untrackedCache true
	git -C "$src" add -A -f
	GIT_AUTHOR_DATE="$GIT_COMMITTER_DATE" \
		git -C "$src" commit -q -m "base: $(basename "$tarball")" --no-verify
	git -C "$src" tag base
fi

cd "$src"
idx=$(mktemp "$src/.git/mktree-index.XXXXXX")
trap 'rm -f "$idx"' EXIT
export GIT_INDEX_FILE=$idx
git read-tree base

# 1. new files: kernel-path dirs as they are, kunit/<path> to <path>
newfiles=$(cd "$repo" && { find io_uring block drivers include -type f 2>/dev/null || true; } | sort)
kunitfiles=$(cd "$repo" && { find kunit -mindepth 2 -type f 2>/dev/null || true; } | sort)
add() { # repo-relative file, kernel path
	local sha
	if git cat-file -e "base:$2" 2>/dev/null; then
		echo "mktree: $1 would overwrite upstream $2; edit upstream files with a patch" >&2
		exit 1
	fi
	sha=$(git hash-object -w "$repo/$1")
	git update-index --add --cacheinfo "100644,$sha,$2"
}
for f in $newfiles; do add "$f" "$f"; done
for f in $kunitfiles; do add "$f" "${f#kunit/}"; done
tip=$(git rev-parse base)
if [ -n "$newfiles$kunitfiles" ]; then
	tree=$(git write-tree)
	tip=$(printf 'premap: add the project'"'"'s new files\n\nNew files only; the patches that follow wire them into Kbuild.\n\nSigned-off-by: Premap Team <premap@example.org>\n' |
		GIT_AUTHOR_DATE="$GIT_COMMITTER_DATE" git commit-tree "$tree" -p "$tip")
fi

# 2. the patch series
if [ -f "$repo/patches/series" ]; then
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		info=$(mktemp) msg=$(mktemp) body=$(mktemp)
		git mailinfo "$msg" "$body" < "$repo/patches/$p" > "$info"
		if ! git apply --cached "$body"; then
			echo "mktree: patch $p does not apply" >&2
			exit 1
		fi
		subj=$(sed -n 's/^Subject: //p' "$info")
		an=$(sed -n 's/^Author: //p' "$info")
		ae=$(sed -n 's/^Email: //p' "$info")
		ad=$(sed -n 's/^Date: //p' "$info")
		tree=$(git write-tree)
		tip=$({ echo "$subj"; echo; cat "$msg"; } |
			GIT_AUTHOR_NAME="$an" GIT_AUTHOR_EMAIL="$ae" GIT_AUTHOR_DATE="$ad" \
			git commit-tree "$tree" -p "$tip")
		rm -f "$info" "$msg" "$body"
	done < "$repo/patches/series"
fi

unset GIT_INDEX_FILE
head=$(git rev-parse -q --verify HEAD || true)
if [ "$head" != "$tip" ] || [ -n "$(git status --porcelain -uno)" ]; then
	# never throw away work done in the tree by hand
	last=$(cat .git/mktree-tip 2>/dev/null || git rev-parse base)
	if [ "${MKTREE_FORCE:-0}" != 1 ] &&
	   { [ "$head" != "$last" ] || [ -n "$(git status --porcelain -uno)" ]; }; then
		echo "mktree: $src has local commits or edits; export them to" \
		     "patches/ (see README) or rerun with MKTREE_FORCE=1 to drop them" >&2
		exit 1
	fi
	git update-ref refs/heads/ours "$tip"
	git symbolic-ref HEAD refs/heads/ours
	git reset -q --hard "$tip"
	echo "mktree: $src at $(git log --oneline -1 "$tip")"
fi
echo "$tip" > .git/mktree-tip
git clean -fdq
