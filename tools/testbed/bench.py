#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench.py E2E_DIR MODES KERNELS [ROUNDS] - compare kernels from `make bench`.

IOPS under -icount are repeatable only while the guest CPU is busy: when it
idles waiting for the emulated device, guest time advances with host time,
so run the bench on an otherwise idle machine.

Reads E2E_DIR/<mode>-icount-<kernel>/randread-<bs>.json (fio) and
perf-randread-<bs>.txt (perf report --sort sym) and prints, per (mode, bs):
IOPS and kernel instructions per IO (Kinstr/IO = sys% x 1e9 / IOPS, exact
under -icount shift=0) for each kernel, the ratios of the last kernel to the
first, and the share of kernel samples spent in the DMA mapping path.
With ROUNDS > 1, round r of kernel k is in <mode>-icount-<k>-r<r> and
every number is the median over the rounds; the per-round values follow.
Writes E2E_DIR/bench.txt, bench.dat and bench.png (gnuplot).
"""
import json
import os
import re
import subprocess
import sys

# the per-request DMA mapping path: scatterlist building, DMA API, IOVA and
# IOMMU page tables, PRP/SGL descriptor pools and setup, our iterator and
# the premap lookup (mtree_load: its registry walk; irq_to_desc() also uses
# mtree_load, but pristine profiles show no sample of it). Leading
# underscores are optional for every name: __blk_rq_dma_map_iter_start()
# and __blk_premap_seg() are part of the path too.
MAP_RE = re.compile(
    r"^_*(blk_rq_map_sg|__blk_bios_map_sg|__?blk_bvec_map_sg|blk_next_sg|"
    r"sg_next|sg_init_table|__sg_\w+|"
    r"dma_map_\w+|dma_unmap_\w+|dma_direct_\w+|dma_need_sync|"
    r"iommu_dma_\w+|__iommu_dma_\w+|intel_iommu_\w+|iommu_map\w*|"
    r"iommu_unmap\w*|__iommu_map\w*|__iommu_unmap\w*|iommu_iotlb_\w+|"
    r"iommu_flush_\w+|qi_\w+|domain_flush_\w+|cache_tag_\w+|"
    r"alloc_iova\w*|free_iova\w*|iova_\w+|__alloc_and_insert_iova_range|"
    r"pfn_to_dma_pte|dma_pte_\w+|"
    r"dma_pool_alloc|dma_pool_free|pool_\w+_page|"
    r"nvme_map_data\w*|nvme_unmap_data|nvme_pci_setup_\w+|nvme_setup_prp_simple|"
    r"nvme_setup_sgl_simple|nvme_free_prps|nvme_pci_next_seg|"
    r"nvme_pci_alloc_desc|nvme_pci_record_seg|nvme_free_descriptors|"
    r"blk_rq_dma_\w+|blk_dma_\w+|blk_map_iter_next|swiotlb_\w+|"
    r"blk_premap_\w+|nvme_premap_\w+|mtree_load|"
    r"debug_dma_\w+)$")
LINE_RE = re.compile(r"^\s*([0-9.]+)%\s+\[k\]\s+(\S+)")


def load(d, bs):
    with open(os.path.join(d, f"randread-{bs}.json")) as fh:
        job = json.load(fh)["jobs"][0]
    iops = job["read"]["iops"]
    return iops, job["sys_cpu"] / 100 * 1e9 / iops / 1e3


# the idle loop; gcc's clones (cpu_idle_poll.isra.0 with idle=poll) too
IDLE_RE = re.compile(r"^(__cpuidle_text_start|default_idle\w*|\w*safe_halt|"
                     r"acpi_idle\w*|intel_idle\w*|poll_idle|cpu_idle_poll|"
                     r"do_idle|cpuidle_\w+)(\.\w+\.\d+)*$")


def profile(d, bs):
    """From the perf window: (kernel instructions per IO in thousands, share
    of non-idle kernel samples in the mapping path, top mapping symbols,
    IOPS in the window, share of all samples in the idle loop in %).

    Under -icount shift=0 a cpu-clock sample stands for a fixed number of
    guest instructions while the guest runs, so non-idle kernel samples /
    all samples x window (ns = instructions) / IOs in the window is the
    kernel's cost per IO, interrupts and completions included. That holds
    only if idle time is sampled like the rest: a guest that halts (HLT)
    while idle gets too few idle samples (see README), a guest booted with
    idle=poll executes its idle loop and is sampled exactly.
    IOs come from the block layer's sector count over the same window. The
    guest retries a window that had an NVMe timeout (QEMU 7.2's nvme stalled
    under -icount; 10.0, which we now use, has not), so its IOPS are clean
    where fio's, over the whole job, may include a 30 s stall."""
    p = os.path.join(d, f"perf-randread-{bs}.txt")
    if not os.path.exists(p):
        return None, None, [], None, None
    kern, mapped, syms, ios, idle = 0.0, 0.0, [], None, 0.0
    for line in open(p, errors="replace"):
        w = re.match(r"# window_s (\d+) sectors_read (\d+) bs (\S+)", line)
        if w:
            nbytes = int(w.group(2)) * 512
            ios = nbytes / bs_bytes(w.group(3))
            window_ns = int(w.group(1)) * 1e9
            continue
        m = LINE_RE.match(line)
        if not m:
            continue
        if IDLE_RE.match(m.group(2)):
            idle += float(m.group(1))
            continue
        pct = float(m.group(1))
        kern += pct
        if MAP_RE.match(m.group(2)):
            mapped += pct
            syms.append((pct, m.group(2)))
    kins = kern / 100 * window_ns / ios / 1e3 if ios else None
    top = [(p / kern * 100, n) for p, n in sorted(syms, reverse=True)[:4]]
    return (kins, mapped / kern * 100 if kern else None, top,
            ios / window_ns * 1e9 if ios else None, idle)


def tick_idle(d, bs):
    """Idle share (%) of the perf window by the guest's tick accounting
    (@@E2E-BLKMQ perf-<bs> cpu_idle / (cpu_busy + cpu_idle) in results.log),
    or None. Idle and iowait time is exact under NOHZ; perf's idle share
    should agree with it, and does not when the guest halts (see README)."""
    log = os.path.join(d, "results.log")
    if not os.path.exists(log):
        return None
    with open(log, errors="replace") as fh:
        for line in fh:
            if line.startswith(f"@@E2E-BLKMQ perf-{bs} "):
                f = dict(x.split("=", 1) for x in line.split()[2:] if "=" in x)
                if "cpu_idle" in f and "cpu_busy" in f:
                    busy, idle = int(f["cpu_busy"]), int(f["cpu_idle"])
                    return idle / (busy + idle) * 100 if busy + idle else None
    return None


def iops(fio, pr):
    """IOPS of the perf window if there is one, else fio's (marked *)."""
    return (pr[3], "") if pr[3] else (fio[0], "*")


def bs_bytes(b):
    return int(b.rstrip("kKmM")) * (1 << 20 if b[-1] in "mM" else 1 << 10)


def chart(dat, png, title, ylabel, cols):
    """Clustered bar chart of the ratio columns @cols [(column, title)] of
    @dat (first column: the x label) with a line at 1, via gnuplot."""
    plots = ", ".join(f"'{dat if i == 0 else ''}' using {c}"
                      + (":xtic(1)" if i == 0 else "") + f" title '{t}'"
                      for i, (c, t) in enumerate(cols))
    gp = f"""
set terminal png size 1000,500
set output '{png}'
set title '{title}'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set yrange [0:*]
set ylabel '{ylabel}'
set grid ytics
set bmargin 4
set arrow from graph 0, first 1 to graph 1, first 1 nohead lt 0
plot {plots}
"""
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, check=True)
        print(f"chart: {png}")
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"chart: gnuplot failed: {e}")


def median(vals):
    """Median of the values that are not None, or None."""
    v = sorted(x for x in vals if x is not None)
    if not v:
        return None
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def rep_dirs(e2e, mode, k, reps):
    """Boot directories of kernel @k in @mode: round 1, then -r2 .. -r<reps>."""
    return [os.path.join(e2e, f"{mode}-icount-{k}" + (f"-r{r}" if r > 1 else ""))
            for r in range(1, reps + 1)]


def load_reps(dirs, bs):
    """fio numbers and perf window of every round, and their medians: each
    metric is the median over the rounds (the rounds differ in the guest's
    idle time, which under sleep=on follows the host)."""
    r = [load(d, bs) for d in dirs]
    pr = [profile(d, bs) for d in dirs]
    io = [iops(a, b) for a, b in zip(r, pr)]
    fio = (median([x[0] for x in r]), median([x[1] for x in r]))
    prof = (median([p[0] for p in pr]), median([p[1] for p in pr]), pr[0][2],
            median([p[3] for p in pr]))
    return fio, prof, (median([x[0] for x in io]), io[0][1]), \
        [(x[0], p[0]) for x, p in zip(io, pr)]


def iodepth(d):
    """The fio iodepth the guest ran (e2e_iodepth, else the seed's 64)."""
    try:
        with open(os.path.join(d, "results.log"), errors="replace") as fh:
            m = re.search(r"@@E2E-CMDLINE .*?\be2e_iodepth=(\d+)", fh.read())
    except OSError:
        return "?"
    return m.group(1) if m else "64"


def main(e2e, modes, kernels, reps="1"):
    modes, kernels, reps = modes.split(), kernels.split(), int(reps)
    base, ours = kernels[0], kernels[-1]
    rows, dat, details, spread = [], [], [], []
    for mode in modes:
        dirs = {k: rep_dirs(e2e, mode, k, reps) for k in kernels}
        names = sorted((f[len("randread-"):-5] for f in os.listdir(dirs[ours][0])
                        if f.startswith("randread-") and f.endswith(".json")),
                       key=bs_bytes)
        for bs in names:
            r, pr, io, each = {}, {}, {}, {}
            for k in kernels:
                r[k], pr[k], io[k], each[k] = load_reps(dirs[k], bs)
            if reps > 1:
                for k in kernels:
                    spread.append(f"  {mode:6} {bs:5} {k:8}: " + "  ".join(
                        f"{i:.0f}/{kp:.2f}" if kp else f"{i:.0f}/-"
                        for i, kp in each[k]))
            iops_ratio = io[ours][0] / io[base][0]
            k_ratio = r[ours][1] / r[base][1]
            kp = {k: pr[k][0] for k in kernels}
            kp_ratio = kp[ours] / kp[base] if kp[ours] and kp[base] else None
            fmt1 = lambda v, f: "-" if v is None else f.format(v)
            rows.append((mode, bs,
                         f"{io[base][0]:.0f}{io[base][1]}",
                         f"{io[ours][0]:.0f}{io[ours][1]}", f"{iops_ratio:.3f}",
                         f"{r[base][1]:.1f}", f"{r[ours][1]:.1f}", f"{k_ratio:.3f}",
                         fmt1(kp[base], "{:.1f}"), fmt1(kp[ours], "{:.1f}"),
                         fmt1(kp_ratio, "{:.3f}"),
                         fmt1(pr[base][1], "{:.1f}%"), fmt1(pr[ours][1], "{:.1f}%")))
            dat.append(f'"{mode}\\n{bs}" {iops_ratio:.4f} {k_ratio:.4f} '
                       f'{kp_ratio or 0:.4f}')
            for k in kernels:
                if pr[k][2]:
                    details.append(f"  {mode:6} {bs:5} {k:8}: " + ", ".join(
                        f"{n} {p:.1f}%" for p, n in pr[k][2]))
    hdr = ("mode", "bs", f"IOPS {base}", f"IOPS {ours}", "ratio",
           f"K(sys%) {base}", f"K(sys%) {ours}", "ratio",
           f"K(perf) {base}", f"K(perf) {ours}", "ratio",
           f"map% {base}", f"map% {ours}")
    w = [max(len(str(x[i])) for x in rows + [hdr]) for i in range(len(hdr))]
    fmt = "  ".join("{:<%d}" % w[i] if i < 2 else "{:>%d}" % w[i]
                    for i in range(len(hdr)))
    out = [fmt.format(*hdr)] + [fmt.format(*r) for r in rows]
    out += ["", f"seed job, iodepth {iodepth(rep_dirs(e2e, modes[0], ours, 1)[0])}",
            "IOPS: reads in the perf window / window (* = fio's, no window); "
            "K(sys%): fio sys% x 1e9 / fio IOPS / 1e3; K(perf): non-idle kernel "
            "samples x perf window / IOs in it / 1e3 (thousand guest "
            "instructions per IO)",
            "map%: share of non-idle kernel samples in the DMA mapping path "
            "(symbol list in bench.py; inlined code counts under its caller)",
            "", "top mapping-path symbols (share of non-idle kernel samples):"]
    out += details
    if spread:
        out += ["", f"{reps} rounds, kernels interleaved; every number above "
                "is the median over them. Per round, IOPS/K(perf):"] + spread
    text = "\n".join(out)
    print(text)
    with open(os.path.join(e2e, "bench.txt"), "w") as fh:
        fh.write(text + "\n")
    with open(os.path.join(e2e, "bench.dat"), "w") as fh:
        fh.write("\n".join(dat) + "\n")
    chart(os.path.join(e2e, "bench.dat"), os.path.join(e2e, "bench.png"),
          "ours / pristine 6.12 (seed job randread, -icount shift=0)",
          "ratio", [(2, "IOPS"), (4, "kernel instructions per IO (perf)")])
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
