#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkconfig.sh CONFIG FRAGMENT... - fail if a fragment's setting did not
# survive olddefconfig (missing dependency or typo).
set -euo pipefail
cfg=$1
shift
bad=0
for frag in "$@"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) want=$line ;;
		"# CONFIG_"*" is not set") want=$line ;;
		*) continue ;;
		esac
		sym=$(echo "$want" | grep -o 'CONFIG_[A-Za-z0-9_]*')
		if [[ "$want" == "#"* ]]; then
			grep -q "^$sym=" "$cfg" && { echo "checkconfig: $sym is set, wanted off ($frag)"; bad=1; }
		else
			grep -qxF "$want" "$cfg" || { echo "checkconfig: wanted $want, got: $(grep "^$sym=\|# $sym is" "$cfg" || echo unset) ($frag)"; bad=1; }
		fi
	done < "$frag"
done
exit $bad
