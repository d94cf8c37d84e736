#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench_premap.py E2E_DIR RUNS [ROUNDS] - premap cache off vs on, from
`make bench-premap`.

RUNS is the Makefile's PREMAP_BENCH_RUNS ("off:128 lazy:128 strict:128
mdts0:8192 mixed:128": run and max_sectors_kb, 0 for the queue's default;
make bench-large: "off-large:0 strict-large:0 strict-plain:0"; make
bench-poll: "off-poll:128 strict-poll:128"). For each run,
E2E_DIR/<iommu>-icount-<run>-premap0 and -premap1 (round r > 1: with -r<r>)
hold the fio reports and perf profiles of the same kernel booted with
nvme.premap=0 and =1 (bench.py reads them). The fixed-buffer runs (off, lazy,
strict, mdts0) read through registered buffers; "mixed" reads with plain
O_DIRECT (no --fixedbufs) while another process holds a premapped buffer;
"<iommu>-large" reads through fixed buffers with the queue's default request
size, "strict-plain" with plain O_DIRECT (no buffer registered at all),
"<iommu>-poll" through fixed buffers with polled completions (--hipri).
Prints per (run, bs): IOPS, kernel instructions per IO from the perf window
(K, thousands), the share of non-idle kernel samples in the DMA mapping path
and the instructions per IO that share stands for (map/IO), the commands
the disk completed per IO in the window, ratios on/off, each the median over
ROUNDS rounds; then the targets:
  - K(on)/K(off) <= 1.00 in every fixed-buffer row, <= 1.005 in the mixed
    rows, where the premap cache must not have looked at a single request;
  - map/IO of a premap hit (off, lazy, strict, cache on) <= map/IO of
    dma-direct (IOMMU off, cache off), at 4k and 128k;
  - K(strict, on) and K(lazy, on) <= 1.05 x K(off, on) for every bs;
  - IOPS(strict, on)/IOPS(strict, off) >= 1.4 at 128k;
  - mdts=0, no IOMMU: K per command of an 8M read <= 1.2 x that of a 4k read;
  - K(strict-large, on) <= 1.05 x K(off-large, on), and an 8M read through
    premapped buffers is as many commands under strict as with the IOMMU
    off (MDTS-sized, not nvme-pci's 128 KiB cap);
  - strict-plain (nothing premapped, nothing registered): K and IOPS with
    the cache on within 3% of the cache off.
Writes E2E_DIR/bench-premap.txt, .dat and .png (gnuplot).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (bs_bytes, chart, cmds_per_io, load_reps, mapins,  # noqa: E402
                   profile, tick_idle)
from summary import stats  # noqa: E402


def timeouts(d):
    """NVMe I/O timeouts in a run's kernel log (QEMU icount quirk)."""
    log = os.path.join(d, "console.log")
    if not os.path.exists(log):
        return 0
    with open(log, errors="replace") as fh:
        return sum("timeout, aborting" in ln for ln in fh)


def run_dirs(e2e, mode, v, rounds):
    iommu = "off" if mode in ("mdts0", "mixed") else mode.split("-")[0]
    return [os.path.join(e2e, f"{iommu}-icount-{mode}-premap{v}" +
                         (f"-r{r}" if r > 1 else ""))
            for r in range(1, rounds + 1)]


def main(e2e, runs, rounds="1", name="bench-premap"):
    runs, rounds = [r.split(":") for r in runs.split()], int(rounds)
    rows, dat, details, idles, perround, res = [], [], [], [], [], {}
    lookups = {}
    f = lambda v, fmt: "-" if v is None else fmt.format(v)
    for mode, msk in runs:
        d = {v: run_dirs(e2e, mode, v, rounds) for v in (0, 1)}
        missing = [x for v in (0, 1) for x in d[v] if not os.path.isdir(x)]
        if missing:
            print(f"bench-premap: missing {' '.join(missing)}")
            return 1
        if mode == "mixed":
            # kernels without the premap cache's counters (7.3) have none
            n = [stats(os.path.join(x, "results.log"))[0].get(
                "holder.premap_lookups") for x in d[1]]
            if all(x is not None for x in n):
                lookups[mode] = sum(n)
        names = sorted((n[len("randread-"):-5] for n in os.listdir(d[1][0])
                        if n.startswith("randread-") and n.endswith(".json")),
                       key=bs_bytes)
        for bs in names:
            r = {v: load_reps(d[v], bs) for v in (0, 1)}
            pr = {v: r[v][1] for v in (0, 1)}
            io = {v: r[v][2] for v in (0, 1)}
            k = {v: pr[v][0] for v in (0, 1)}
            iops_r = io[1][0] / io[0][0]
            k_r = k[1] / k[0] if k[0] and k[1] else None
            cpi = {v: cmds_per_io(d[v][0], bs) for v in (0, 1)}
            res[(mode, bs)] = (io, pr, cpi)
            rows.append((mode, msk, bs, f"{io[0][0]:.0f}{io[0][1]}",
                         f"{io[1][0]:.0f}{io[1][1]}",
                         f"{iops_r:.3f}", f(k[0], "{:.2f}"), f(k[1], "{:.2f}"),
                         f(k_r, "{:.3f}"), f(pr[0][1], "{:.1f}%"),
                         f(pr[1][1], "{:.2f}%"),
                         f(mapins(pr[0]), "{:.0f}"), f(mapins(pr[1]), "{:.0f}"),
                         f(cpi[0], "{:.1f}"), f(cpi[1], "{:.1f}")))
            dat.append(f'"{mode}\\n{bs}" {iops_r:.4f} {k_r or 0:.4f}')
            if rounds > 1:
                perround.append(f"  {mode:6} {bs:5} " + "  ".join(
                    f"premap={v}: " + " ".join(
                        f"{f(i, '{:.0f}')}/{f(kk, '{:.2f}')}"
                        for i, kk in r[v][3]) for v in (0, 1)))
            tmo = [sum(timeouts(x) for x in d[v]) for v in (0, 1)]
            if any(tmo):
                details.append(f"  {mode}: NVMe I/O timeouts in the run "
                               f"(off/on): {tmo[0]}/{tmo[1]}; windows with "
                               "one were retried")
            idle = [(profile(d[v][0], bs)[4], tick_idle(d[v][0], bs))
                    for v in (0, 1)]
            idles.append(f"  {mode:6} {bs:5} " + "  ".join(
                f"premap={v}: " + "/".join(f(x, "{:.1f}%") for x in idle[v])
                for v in (0, 1)))
            if any(t is not None and p is not None and abs(p - t) > 5
                   for p, t in idle):
                idles.append("    ^ perf and tick accounting disagree by more "
                             "than 5 points: K of this row is not exact")
            for v in (0, 1):
                if pr[v][2]:
                    details.append(f"  {mode:6} {bs:5} premap={v}: " +
                                   ", ".join(f"{n} {p:.1f}%"
                                             for p, n in pr[v][2]))
    hdr = ("run", "max_sectors_kb", "bs", "IOPS off", "IOPS on", "ratio",
           "K off", "K on", "ratio", "map% off", "map% on", "map/IO off",
           "map/IO on", "cmds/IO off", "cmds/IO on")
    w = [max(len(str(x[i])) for x in rows + [hdr]) for i in range(len(hdr))]
    fmt = "  ".join("{:<%d}" % w[i] if i < 3 else "{:>%d}" % w[i]
                    for i in range(len(hdr)))
    out = [fmt.format(*hdr)] + [fmt.format(*r) for r in rows]
    out += ["", f"medians of {rounds} round(s); mixed: plain O_DIRECT reads "
            "while another process holds a premapped buffer",
            "IOPS: reads in the perf window / window (* = fio's, no window)",
            "K: non-idle kernel samples x perf window / IOs in it / 1e3 "
            "(thousand guest instructions per IO, -icount shift=0)",
            "map%: share of non-idle kernel samples in the DMA mapping path "
            "(bench.py MAP_RE, premap lookup included)",
            "map/IO: instructions per IO in the mapping path (map% x K)",
            "cmds/IO: commands the disk completed per IO in the window "
            "(round 1)"]
    if perround:
        out += ["", "every round, IOPS/K:"] + perround
    out += ["", "top mapping-path symbols (round 1):"] + details + [
            "", "idle share of the perf window, perf / tick accounting "
            "(round 1; make bench-premap boots with PREMAP_BENCH_CMDLINE, "
            "idle=poll):"] + idles + ["", "targets:"]

    ok = True

    def target(name, val, limit, at_least=False):
        nonlocal ok
        good = val is not None and (val >= limit if at_least else
                                    val <= limit)
        ok &= good
        out.append(f"  {'PASS' if good else 'FAIL'} {name}: "
                   f"{'-' if val is None else f'{val:.3f}'} "
                   f"{'>=' if at_least else '<='} {limit}")

    def kk(mode, bs, v=1):
        return res[(mode, bs)][1][v][0] if (mode, bs) in res else None

    def ratio(a, b):
        return a / b if a and b else None

    for (mode, bs) in res:
        target(f"K(on)/K(off) {mode} {bs}", ratio(kk(mode, bs), kk(mode, bs, 0)),
               {"mixed": 1.005, "strict-plain": 1.03}.get(mode, 1.0))
    for mode, n in lookups.items():
        target(f"premap lookups in the {mode} runs (cache on)",
               n if n >= 0 else None, 0)
    for bs in ("4k", "128k"):
        base = res.get(("off", bs))
        for mode in ("off", "lazy", "strict"):
            if base and (mode, bs) in res:
                target(f"map/IO {mode} on / off off {bs}",
                       ratio(mapins(res[(mode, bs)][1][1]), mapins(base[1][0])),
                       1.0)
    bss = sorted({bs for (_, bs) in res}, key=bs_bytes)
    for mode, base in (("strict", "off"), ("lazy", "off"),
                       ("strict-large", "off-large"),
                       ("strict-poll", "off-poll")):
        for bs in bss:
            if (mode, bs) in res and (base, bs) in res:
                target(f"K({mode},on)/K({base},on) {bs}",
                       ratio(kk(mode, bs), kk(base, bs)), 1.05)
    for bs in bss:
        if ("strict-large", bs) in res and ("off-large", bs) in res:
            c = res[("strict-large", bs)][2][1], res[("off-large", bs)][2][1]
            # IOs cut by the window's edges blur cmds/IO by ~1%
            target(f"cmds/IO(strict-large,on)/cmds/IO(off-large,on) {bs}",
                   ratio(*c), 1.01)
    if ("strict-plain", "512k") in res:
        io = res[("strict-plain", "512k")][0]
        target("IOPS(strict-plain,on)/IOPS(strict-plain,off) 512k",
               ratio(io[1][0], io[0][0]), 0.97, at_least=True)
    if ("strict", "128k") in res:
        io = res[("strict", "128k")][0]
        target("IOPS(strict,on)/IOPS(strict,off) 128k",
               ratio(io[1][0], io[0][0]), 1.4, at_least=True)
    if ("mdts0", "8M") in res and ("mdts0", "4k") in res:
        target("mdts0 K(8M,on)/K(4k,on) per command",
               ratio(kk("mdts0", "8M"), kk("mdts0", "4k")), 1.2)
        m8 = mapins(res[("mdts0", "8M")][1][1])
        m4 = mapins(res[("mdts0", "4k")][1][1])
        if m8 and m4:
            out.append(f"  (info) mdts0 mapping path per command, 8M/4k: "
                       f"{m8:.0f}/{m4:.0f} = {m8 / m4:.2f}")
    text = "\n".join(out)
    print(text)
    with open(os.path.join(e2e, name + ".txt"), "w") as fh:
        fh.write(text + "\n")
    datf = os.path.join(e2e, name + ".dat")
    with open(datf, "w") as fh:
        fh.write("\n".join(dat) + "\n")
    chart(datf, os.path.join(e2e, name + ".png"),
          "premap cache on / off (seed job randread, -icount shift=0)",
          "ratio on/off", [(2, "IOPS"), (3, "kernel instructions per IO (perf)")])
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
