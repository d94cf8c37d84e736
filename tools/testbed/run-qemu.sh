#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-qemu.sh - boot a guest kernel with an emulated NVMe and collect results.
#
# Environment (set by the Makefile):
#   KERNEL INITRD OUTDIR       bzImage, initramfs, directory for logs/results:
#                              console.log (ttyS0: the kernel log only),
#                              results.log (ttyS1: what the guest's /init prints),
#                              fio JSON <job>.json and perf reports perf-<job>.txt
#                              split out of results.log
#   IOMMU=off|lazy|strict      intel-iommu in QEMU + intel_iommu=on iommu.strict=0|1
#   SWIOTLB=force|""           guest swiotlb=force
#   ICOUNT=0|1                 1: -icount shift=0,sleep=on -smp 1 (instruction-counted)
#   ACCEL=auto|tcg|kvm         auto: KVM only if a probe boot succeeds
#   MEM SMP HUGEPAGES DISK_SIZE NVME_OPTS EXTRA_CMDLINE TIMEOUT
#   QEMU_ARGS (appended to QEMU's arguments, e.g. -trace pci_nvme_map_sgl)
#   E2E_ARGS                   e2e_* parameters for the guest /init
# Exit status: 0 only if the guest reached "@@E2E-DONE rc=0" without a panic,
# oops or DMA-API warning and within TIMEOUT seconds.
set -uo pipefail

: "${IOMMU:=off}" "${SWIOTLB:=}" "${ICOUNT:=0}" "${ACCEL:=auto}"
: "${MEM:=2G}" "${SMP:=2}" "${HUGEPAGES:=320}" "${DISK_SIZE:=1G}"
: "${NVME_OPTS:=}" "${EXTRA_CMDLINE:=}" "${TIMEOUT:=1200}" "${E2E_ARGS:=}"
: "${QEMU_ARGS:=}"
mkdir -p "$OUTDIR"
log=$OUTDIR/console.log
res=$OUTDIR/results.log

# the NVMe namespace is a real file on tmpfs, so data is really moved
disk=$(mktemp /dev/shm/premap-nvme.XXXXXX)
trap 'rm -f "$disk"' EXIT
truncate -s "$DISK_SIZE" "$disk"

cmdline="console=ttyS0 panic=-1 oops=panic hugepages=$HUGEPAGES $EXTRA_CMDLINE"
qemu=(qemu-system-x86_64 -nodefaults -nographic -no-reboot -m "$MEM"
      -kernel "$KERNEL" -initrd "$INITRD" -serial "file:$log"
      -serial "file:$res")
case "$IOMMU" in
off)	cmdline+=" intel_iommu=off" ; machine="q35" ;;
lazy)	cmdline+=" intel_iommu=on iommu.strict=0" ; machine="q35" ;;
strict)	cmdline+=" intel_iommu=on iommu.strict=1" ; machine="q35" ;;
*)	echo "run-qemu: IOMMU must be off, lazy or strict" >&2; exit 2 ;;
esac
case "$SWIOTLB" in
force)	cmdline+=" swiotlb=force" ;;
"")	;;
*)	echo "run-qemu: SWIOTLB must be force or empty" >&2; exit 2 ;;
esac

probe_kvm() {
	local plog stamp
	stamp="$(dirname "$OUTDIR")/kvm-probe.$(md5sum < "$KERNEL" | cut -c1-12)"
	if [ -f "$stamp" ]; then cat "$stamp"; return; fi
	[ -w /dev/kvm ] || { echo tcg | tee "$stamp"; return; }
	plog=$(mktemp)
	timeout 30 qemu-system-x86_64 -nodefaults -nographic -no-reboot -m 512M \
		-accel kvm -cpu host -machine q35 -kernel "$KERNEL" \
		-append "console=ttyS0 panic=-1 rdinit=/bin/does-not-exist" \
		-serial "file:$plog" >/dev/null 2>&1
	# reaching the point where the kernel looks for init proves it booted
	if grep -q "Run /bin/does-not-exist\|No working init found" "$plog"; then
		echo kvm | tee "$stamp"
	else
		echo tcg | tee "$stamp"
	fi
	rm -f "$plog"
}

accel=$ACCEL
if [ "$ICOUNT" = 1 ]; then
	accel=tcg
elif [ "$accel" = auto ]; then
	accel=$(probe_kvm)
fi
if [ "$accel" = kvm ]; then
	qemu+=(-accel kvm -cpu host -smp "$SMP")
	[ "$IOMMU" != off ] && machine+=",kernel-irqchip=split"
elif [ "$ICOUNT" = 1 ]; then
	# sleep=on: with sleep=off an idle guest's clock jumps straight to its
	# next timer, tick after tick, while QEMU's I/O threads starve: 30 s
	# of guest time pass in well under a second and in-flight requests
	# time out and abort (seen in every IOMMU=off bench). With sleep=on
	# idle time passes in real time, so IOPS include real device waits;
	# instruction counts (the bench's K, non-idle samples only) do not.
	qemu+=(-accel tcg -cpu max -smp 1 -icount shift=0,sleep=on)
else
	qemu+=(-accel tcg,thread=multi -cpu max -smp "$SMP")
fi
qemu+=(-machine "$machine")
[ "$IOMMU" != off ] && qemu+=(-device intel-iommu,intremap=on)
qemu+=(-drive "file=$disk,if=none,id=nvm,format=raw,cache=none,aio=threads"
       -device "nvme,serial=premap0,drive=nvm${NVME_OPTS:+,$NVME_OPTS}")
qemu+=(-append "$cmdline $E2E_ARGS")
# shellcheck disable=SC2206 # word splitting wanted
[ -n "$QEMU_ARGS" ] && qemu+=($QEMU_ARGS)

echo "run-qemu: accel=$accel$([ "$ICOUNT" = 1 ] && echo ' icount=shift=0,sleep=on smp=1') iommu=$IOMMU swiotlb=${SWIOTLB:-no} mem=$MEM disk=$DISK_SIZE"
echo "${qemu[*]}" > "$OUTDIR/qemu.cmd"
start=$(date +%s)
timeout --foreground -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null >"$OUTDIR/qemu.out" 2>&1
qrc=$?
echo "run-qemu: guest ran $(( $(date +%s) - start )) s (console: $log, results: $res)"
echo "$accel" > "$OUTDIR/accel"

# split fio JSON reports out of the results
rm -f "$OUTDIR"/*.json "$OUTDIR"/perf-*.txt
awk -v dir="$OUTDIR" '
	{ sub(/\r$/, "") }
	/^@@FIO-BEGIN /  { f = dir "/" $2 ".json"; next }
	/^@@PERF-BEGIN / { f = dir "/perf-" $2 ".txt"; next }
	/^@@FIO-END |^@@PERF-END / { close(f); f = ""; next }
	f != ""          { print > f }' "$res"

fail=0
grep -a "^@@E2E-KERNEL" "$res" || { echo "run-qemu: guest never reached /init"; fail=1; }
grep -a "^@@E2E-STAT" "$res" | sed 's/^@@E2E-STAT /run-qemu: guest /' | tr '\n' ' ' ; echo
# panics, oopses, WARN()s (DMA-API debug errors are WARN()s), lockdep and
# KASAN reports, NVMe I/O timeouts; DMA-API's two start-up lines are
# information only
# NVMe I/O timeouts fail the run too, except under -icount: there QEMU
# 7.2's nvme left commands unprocessed until the guest aborted them, with
# the pristine kernel as with ours (10.0, see README, has not); counted and
# reported instead.
iotimeouts=$(grep -ac "timeout, aborting" "$log" || true)
[ "$ICOUNT" = 1 ] && [ "$iotimeouts" != 0 ] &&
	echo "run-qemu: warning: $iotimeouts NVMe I/O timeouts (icount mode)"
tmo="timeout, aborting|timeout, reset controller"
[ "$ICOUNT" = 1 ] && tmo="NO-SUCH-LINE"
problems=$(grep -anE "Kernel panic|BUG:|Oops|WARNING:|DMA-API:|possible .*deadlock|circular locking|KASAN:|$tmo" "$log" |
	grep -vE "DMA-API: (preallocated [0-9]+ debug entries|debugging enabled by kernel config)" || true)
if [ -n "$problems" ]; then
	echo "run-qemu: guest kernel reported a problem:"
	first=$(echo "$problems" | head -1 | cut -d: -f1)
	tail -n +"$first" "$log" | head -40
	fail=1
fi
grep -a "^@@E2E-ERROR" "$res" "$log" && fail=1
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "run-qemu: guest did not finish within $TIMEOUT s"
	fail=1
fi
if ! grep -aq "^@@E2E-DONE rc=0" "$res"; then
	echo "run-qemu: guest did not complete successfully (qemu rc=$qrc)"
	echo "run-qemu: last lines of $res:"
	tail -20 "$res"
	echo "run-qemu: last lines of $log:"
	tail -20 "$log"
	fail=1
fi
exit $fail
