#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkconfig.sh CONFIG FRAGMENT... - fail if a fragment's setting did not
# survive olddefconfig (missing dependency or typo). Later fragments
# override earlier ones, as with merge_config.sh.
set -euo pipefail
cfg=$1
shift
declare -A want
order=()
for frag in "$@"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) sym=${line%%=*} ;;
		"# CONFIG_"*" is not set") sym=$(echo "$line" | grep -o 'CONFIG_[A-Za-z0-9_]*') ;;
		*) continue ;;
		esac
		[ -n "${want[$sym]+x}" ] || order+=("$sym")
		want[$sym]=$line
	done < "$frag"
done
bad=0
for sym in "${order[@]}"; do
	line=${want[$sym]}
	if [[ "$line" == "#"* ]]; then
		grep -q "^$sym=" "$cfg" && { echo "checkconfig: $sym is set, wanted off"; bad=1; }
	else
		grep -qxF "$line" "$cfg" || { echo "checkconfig: wanted $line, got: $(grep "^$sym=\|# $sym is" "$cfg" || echo unset)"; bad=1; }
	fi
done
exit $bad
