#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel-reports.sh LOG - fail if a guest console log has kernel reports:
# panics, oopses, WARN()s (DMA-API debug errors are WARN()s), lockdep and
# KASAN reports; DMA-API debug's two start-up lines are information only.
# Prints the first report with the 40 lines from it. The same patterns as
# run-qemu.sh's check of the e2e boots, for logs that are not e2e boots'
# (kunit.py exec).
set -euo pipefail

log=$1
problems=$(grep -anE "Kernel panic|BUG:|Oops|WARNING:|DMA-API:|possible .*deadlock|circular locking|KASAN:" "$log" |
	grep -vE "DMA-API: (preallocated [0-9]+ debug entries|debugging enabled by kernel config)" || true)
[ -z "$problems" ] && exit 0
echo "kernel-reports: $log has kernel reports:"
first=$(echo "$problems" | head -1 | cut -d: -f1)
tail -n +"$first" "$log" | head -40
exit 1
