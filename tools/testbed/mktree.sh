#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mktree.sh - (re)create the patched kernel tree from the pinned Debian tarball.
#
# usage: mktree.sh TARBALL SRCDIR REPO [BASE]
#
# BASE names a second kernel base (e.g. 7.3) whose series lives in
# REPO/patches/BASE/series and whose new files live only under
# REPO/kunit/BASE/<kernel path>. Without BASE: the product's series,
# REPO/patches/series, new files under REPO/{io_uring,block,drivers,include}
# or REPO/kunit/<kernel path> (REPO/kunit/<digit>*/ belong to other bases).
#
# SRCDIR is a git repository:
#   tag "base"    - the pristine tarball, committed once;
#   branch "ours" - base + the series REPO/patches/series, one commit per
#                   patch, author, date and message kept (git-am semantics).
#
# A line of patches/series is a patch file followed by the new files that
# patch introduces, by kernel path:
#
#   0004-block-add-a-DMA-mapping-iterator.patch block/blk-mq-dma.c ...
#
# New files live in the repo as plain files, at their kernel path under
# io_uring/ block/ drivers/ include/, or under kunit/<kernel path>, in their
# final form. A later patch of the series may change a new file like any
# other; the content a new file has where it is introduced is then its final
# content with those later changes reversed. Every new file must be named by
# exactly one patch, and none may replace an upstream file.
#
# Commits are built with plumbing on scratch indexes, then the work tree is
# moved with "git reset --hard", which rewrites only files whose content
# changed: the O= build stays incremental.
set -euo pipefail

tarball=$1 src=$2 repo=$(cd "$3" && pwd) base=${4:-}
pdir=$repo/patches${base:+/$base}
export GIT_AUTHOR_NAME="Premap Team" GIT_AUTHOR_EMAIL="premap@example.org"
export GIT_COMMITTER_NAME="Premap Team" GIT_COMMITTER_EMAIL="premap@example.org"
export GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"

die() { echo "mktree: $*" >&2; exit 1; }

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
tmp=$(mktemp -d "$src/.git/mktree.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# repo file holding new file $1 (a kernel path)
repo_file() {
	if [ -n "$base" ]; then
		[ -f "$repo/kunit/$base/$1" ] && echo "kunit/$base/$1"
	elif [ -f "$repo/$1" ]; then echo "$1"
	elif [ -f "$repo/kunit/$1" ]; then echo "kunit/$1"
	else return 1
	fi
}
# every new file of this base, by kernel path
new_files() {
	cd "$repo"
	if [ -n "$base" ]; then
		{ find "kunit/$base" -type f 2>/dev/null || true; } | sed "s|^kunit/$base/||" | sort
	else
		{ find io_uring block drivers include -type f 2>/dev/null || true; } | sort
		{ find kunit -mindepth 2 -type f -not -path 'kunit/[0-9]*' 2>/dev/null || true; } |
			sed 's|^kunit/||' | sort
	fi
}

# 1. the series: patches, the new files each introduces, their bodies
patches=() files=()
declare -A intro=()
if [ -f "$pdir/series" ]; then
	while read -r p fl; do
		case "$p" in ''|'#'*) continue ;; esac
		i=${#patches[@]}
		[ -f "$pdir/$p" ] || die "${pdir#$repo/}/series: no file ${pdir#$repo/}/$p"
		for f in $fl; do
			if [ -n "$base" ]; then w="kunit/$base/$f"; else w="$f nor kunit/$f"; fi
			repo_file "$f" >/dev/null ||
				die "$p: new file $f is not $w in the repo"
			[ -z "${intro[$f]:-}" ] ||
				die "$f is introduced by two patches: ${patches[${intro[$f]}]} and $p"
			git cat-file -e "base:$f" 2>/dev/null &&
				die "$p: $f would overwrite upstream $f; edit upstream files with a patch"
			intro[$f]=$i
		done
		git mailinfo "$tmp/msg.$i" "$tmp/body.$i" < "$pdir/$p" > "$tmp/info.$i"
		patches+=("$p") files+=("$fl")
	done < "$pdir/series"
fi
for f in $(new_files); do
	[ -n "${intro[$f]:-}" ] ||
		die "new file $f is not introduced by any patch (name it on a line of ${pdir#$repo/}/series)"
done

# 2. each new file as introduced: final content, later patches' changes to
#    it reversed, last patch first
export GIT_INDEX_FILE=$tmp/index.new
git read-tree --empty
for f in "${!intro[@]}"; do
	sha=$(git hash-object -w "$repo/$(repo_file "$f")")
	git update-index --add --cacheinfo "100644,$sha,$f"
done
declare -A blob=()
for ((i = ${#patches[@]} - 1; i >= 0; i--)); do
	for f in ${files[$i]}; do
		blob[$f]=$(git rev-parse ":$f")
		git update-index --force-remove "$f"
	done
	inc=()
	while read -r f; do inc+=("--include=$f"); done < <(git ls-files)
	[ ${#inc[@]} -eq 0 ] && continue
	git apply --cached -R "${inc[@]}" "$tmp/body.$i" 2>"$tmp/err" ||
		die "${patches[$i]}: its changes to new files do not match their final content: $(cat "$tmp/err")"
done

# 3. the commits
export GIT_INDEX_FILE=$tmp/index
git read-tree base
tip=$(git rev-parse base)
for ((i = 0; i < ${#patches[@]}; i++)); do
	p=${patches[$i]}
	for f in ${files[$i]}; do
		git update-index --add --cacheinfo "100644,${blob[$f]},$f"
	done
	git apply --cached "$tmp/body.$i" || die "patch $p does not apply"
	info=$tmp/info.$i
	subj=$(sed -n 's/^Subject: //p' "$info")
	an=$(sed -n 's/^Author: //p' "$info")
	ae=$(sed -n 's/^Email: //p' "$info")
	ad=$(sed -n 's/^Date: //p' "$info")
	tree=$(git write-tree)
	tip=$({ echo "$subj"; echo; cat "$tmp/msg.$i"; } |
		GIT_AUTHOR_NAME="$an" GIT_AUTHOR_EMAIL="$ae" GIT_AUTHOR_DATE="$ad" \
		git commit-tree "$tree" -p "$tip")
done

# the series must end where the repo's new files are
for f in "${!intro[@]}"; do
	[ "$(git rev-parse "$tip:$f")" = "$(git hash-object "$repo/$(repo_file "$f")")" ] ||
		die "$f at the end of the series differs from $(repo_file "$f")"
done

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
