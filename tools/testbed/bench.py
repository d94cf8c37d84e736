#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench.py E2E_DIR MODES KERNELS [ROUNDS] - compare kernels from `make bench`.

IOPS under -icount are repeatable only while the guest CPU is busy: when it
idles waiting for the emulated device, guest time advances with host time,
so run the bench on an otherwise idle machine.

Reads E2E_DIR/<mode>-icount-<kernel>/randread-<bs>.json (fio) and
perf-randread-<bs>.txt (perf report --sort sym) and prints one row per
(mode, bs, kernel): IOPS, kernel instructions per IO from the perf window
(K) and its ratio to the first kernel, the share of non-idle kernel samples
in the DMA mapping path (map%), the instructions per IO it stands for and
the commands per IO. A <bs>-plain entry is the seed job without
--fixedbufs, a <bs>-4kfixed one with its fixed buffers in 4 KiB pages. With ROUNDS > 1, round r of kernel k is in
<mode>-icount-<k>-r<r> and every number is the median over the rounds; the
per-round values follow. Block sizes missing in some boot are left out
(exit status 1). Writes E2E_DIR/bench.txt, bench.dat and bench.png.
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from summary import guest  # noqa: E402

# the per-request DMA mapping path: scatterlist building, DMA API, IOVA and
# IOMMU page tables, PRP/SGL descriptor pools and setup, our iterator and
# the premap lookup (mtree_load: its registry walk; irq_to_desc() also uses
# mtree_load, but pristine profiles show no sample of it); on 7.3 also
# mainline's iterator and its statics (blk_map_iter_next,
# blk_can_dma_map_iova, blk_rq_map_iter_init, ...), the per-request IOVA
# link API (dma_iova_*, iommu_dma_iova_*), dma_map_phys, iommu_sync_map /
# iommu_map_nosync and nvme-pci's nvme_pci_setup_data_*, PRP iterator and
# descriptor helpers; and 7.3's IOMMU page tables, which the generic page
# table code (drivers/iommu/generic_pt) builds: its statics (map_range,
# map_range_leaf, do_map, make_range_*, the gather and flush helpers) and
# the VT-d second-stage format's ops (vtdss_*), with clflush_cache_range()
# for their non-coherent writes. Leading underscores are optional for
# every name (__blk_rq_dma_map_iter_start() and __blk_premap_seg() are
# part of the path too), and so are the compiler's .isra/.constprop/.part
# suffixes (iommu_pgsize.isra.0).
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
    r"blk_can_dma_map_iova|blk_rq_map_iter_init|dma_iova_\w+|"
    r"iommu_sync_map|iommu_map_nosync|nvme_pci_prp_\w+|nvme_pci_sgl_\w+|"
    r"nvme_pci_use_sgls|nvme_pci_cmd_use_sgl|nvme_pci_avg_seg_size|"
    r"nvme_pci_unmap_rq|nvme_unmap_iter|nvme_free_sgls|"
    r"nvme_pci_first_desc_dma_addr|"
    r"iommu_pgsize|iommu_get_dma_domain|clflush_cache_range|"
    r"map_range|map_range_leaf|unmap_range|collect_tables|do_map|"
    r"do_map_single_page|make_range_u(?:l|64)|check_map_range|"
    r"compute_best_pgsize|clear_contig|flush_writes_\w+|gather_add_\w+|"
    r"gather_range_pending|table_alloc\w*|increase_top|pt_iommu_\w+|"
    r"vtdss_\w+|"
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
        if MAP_RE.match(m.group(2).split(".")[0]):
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
    """Bytes of a block size as fio takes it (4k, 8M), "-plain" and
    "-4kfixed" ignored."""
    b = b.removesuffix("-plain").removesuffix("-4kfixed")
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


# what the table calls each kernel of make bench
LABELS = {"pristine": "6.12", "ours": "6.12 ours", "7.3": "7.3"}


def mapins(pr):
    """Instructions per IO in the mapping path: map% of K(perf)."""
    k, share = pr[0], pr[1]
    return k * 1e3 * share / 100 if k and share is not None else None


def cmds_per_io(d, bs):
    """Commands the disk completed per IO in the perf window (@@E2E-BLKMQ
    perf-<bs> commands over the IOs of the window), or None."""
    perf = os.path.join(d, f"perf-randread-{bs}.txt")
    log = os.path.join(d, "results.log")
    if not os.path.exists(perf) or not os.path.exists(log):
        return None
    ios = None
    with open(perf, errors="replace") as fh:
        for line in fh:
            if line.startswith("# window_s "):
                w = line.split()
                ios = int(w[4]) * 512 / bs_bytes(w[6])
    with open(log, errors="replace") as fh:
        for line in fh:
            if line.startswith(f"@@E2E-BLKMQ perf-{bs} "):
                f = dict(x.split("=", 1) for x in line.split()[2:] if "=" in x)
                if ios and f.get("commands", "").isdigit():
                    return int(f["commands"]) / ios
    return None


def main(e2e, modes, kernels, reps="1"):
    modes, kernels, reps = modes.split(), kernels.split(), int(reps)
    base = kernels[0]
    lab = {k: LABELS.get(k, k) for k in kernels}
    rows, dat, details, spread, bad = [], [], [], [], 0
    f = lambda v, fmt: "-" if v is None else fmt.format(v)
    for mode in modes:
        dirs = {k: rep_dirs(e2e, mode, k, reps) for k in kernels}
        missing = [x for k in kernels for x in dirs[k] if not os.path.isdir(x)]
        if missing:
            print(f"bench: missing {' '.join(missing)}")
            return 1
        have = [{n[len("randread-"):-5] for n in os.listdir(x)
                 if n.startswith("randread-") and n.endswith(".json")}
                for k in kernels for x in dirs[k]]
        both = set.intersection(*have)
        lost = set.union(*have) - both
        if lost:
            # a boot that failed keeps no reports: compare what all have
            print(f"bench: {mode}: {' '.join(sorted(lost))} missing in some "
                  "boot, left out")
            bad = 1
        names = sorted(both, key=lambda b: (b.endswith("-plain"),
                                             b.endswith("-4kfixed"),
                                             bs_bytes(b)))
        for bs in names:
            r, each = {}, {}
            for k in kernels:
                fio, pr, io, each[k] = load_reps(dirs[k], bs)
                r[k] = (io, pr, median([cmds_per_io(x, bs) for x in dirs[k]]))
                if reps > 1:
                    spread.append(f"  {mode:6} {bs:10} {lab[k]:9}: " + "  ".join(
                        f"{i:.0f}/{kp:.2f}" if kp else f"{i:.0f}/-"
                        for i, kp in each[k]))
                if pr[2]:
                    details.append(f"  {mode:6} {bs:10} {lab[k]:9}: " + ", ".join(
                        f"{n} {p:.1f}%" for p, n in pr[2]))
            kb = r[base][1][0]
            for k in kernels:
                io, pr, cpi = r[k]
                kr = pr[0] / kb if pr[0] and kb else None
                rows.append((mode, bs, lab[k], f"{io[0]:.0f}{io[1]}",
                             f(pr[0], "{:.2f}"), f(kr, "{:.3f}"),
                             f(pr[1], "{:.1f}%"), f(mapins(pr), "{:,.0f}"),
                             f(cpi, "{:.1f}")))
            dat.append(f'"{mode}\\n{bs}" ' + " ".join(
                f"{r[k][1][0] / kb:.4f}" if r[k][1][0] and kb else "0"
                for k in kernels[1:]))
    hdr = ("mode", "bs", "kernel", "IOPS", "K", f"K/{lab[base]}", "map%",
           "map/IO", "cmds/IO")
    w = [max(len(str(x[i])) for x in rows + [hdr]) for i in range(len(hdr))]
    fmt = "  ".join("{:<%d}" % w[i] if i < 3 else "{:>%d}" % w[i]
                    for i in range(len(hdr)))
    out, last = [fmt.format(*hdr)], None
    for row in rows:
        if last and row[:2] != last:
            out.append("")
        out.append(fmt.format(*row))
        last = row[:2]
    g = {k: guest(rep_dirs(e2e, modes[0], k, 1)[0]) for k in kernels}
    out += ["", "guests: " + "; ".join(
                f"{lab[k]} = {g[k][0]}" for k in kernels) +
            "; I/O scheduler " + "/".join(sorted({g[k][1] for k in kernels})) +
            " on the namespace in every boot",
            f"seed job randread, iodepth {iodepth(rep_dirs(e2e, modes[0], base, 1)[0])}, "
            "fixed hugepage buffers; <bs>-plain: the same without --fixedbufs "
            "(plain O_DIRECT); <bs>-4kfixed: fixed buffers in 4 KiB pages",
            "IOPS: reads in the perf window / window (* = fio's, no window); "
            "K: non-idle kernel samples x perf window / IOs in it / 1e3 "
            "(thousand guest instructions per IO, -icount shift=0)",
            "map%: share of non-idle kernel samples in the DMA mapping path "
            "(symbol list in bench.py; inlined code counts under its caller); "
            "map/IO: the instructions per IO that share stands for; cmds/IO: "
            "commands the disk completed per IO in the window",
            "", "top mapping-path symbols (share of non-idle kernel samples):"]
    out += details
    if spread:
        out += ["", f"{reps} rounds, kernels interleaved; every number above "
                "is the median over them. Per round, IOPS/K:"] + spread
    text = "\n".join(out)
    print(text)
    with open(os.path.join(e2e, "bench.txt"), "w") as fh:
        fh.write(text + "\n")
    with open(os.path.join(e2e, "bench.dat"), "w") as fh:
        fh.write("\n".join(dat) + "\n")
    chart(os.path.join(e2e, "bench.dat"), os.path.join(e2e, "bench.png"),
          f"kernel instructions per IO / {lab[base]} (seed job randread, "
          "-icount shift=0)", "ratio",
          [(i + 2, lab[k]) for i, k in enumerate(kernels[1:])])
    return bad


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
