#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench_premap.py E2E_DIR RUNS - premap cache off vs on, from `make bench-premap`.

RUNS is the Makefile's PREMAP_BENCH_RUNS ("off:128 strict:128 mdts0:8192":
mode and max_sectors_kb). For each run, E2E_DIR/<iommu>-icount-<mode>-premap0
and -premap1 hold the fio reports and perf profiles of the same kernel booted
with nvme.premap=0 and =1 (bench.py reads them). Prints per (run, bs): IOPS,
kernel instructions per IO from the perf window (K, thousands), the share of
non-idle kernel samples in the DMA mapping path and the instructions per IO
that share stands for, ratios on/off; then the
issue's targets:
  - K(strict, on) <= 1.05 x K(off, on) for every bs (equal request sizes);
  - mapping path <= 1% of kernel samples with the cache on;
  - mdts=0, no IOMMU: K per command of an 8M read <= 1.2 x that of a 4k read.
Writes E2E_DIR/bench-premap.txt, .dat and .png (gnuplot).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import bs_bytes, chart, iops, load, profile, tick_idle  # noqa: E402


def timeouts(d):
    """NVMe I/O timeouts in a run's console log (QEMU icount quirk)."""
    log = os.path.join(d, "console.log")
    if not os.path.exists(log):
        return 0
    with open(log, errors="replace") as fh:
        return sum("timeout, aborting" in ln for ln in fh)


def mapins(pr):
    """Instructions per IO in the mapping path: map% of K."""
    k, share = pr[0], pr[1]
    return k * 1e3 * share / 100 if k and share is not None else None


def main(e2e, runs):
    runs = [r.split(":") for r in runs.split()]
    rows, dat, details, idles, res = [], [], [], [], {}
    for mode, msk in runs:
        iommu = "off" if mode == "mdts0" else mode
        d = {v: os.path.join(e2e, f"{iommu}-icount-{mode}-premap{v}")
             for v in (0, 1)}
        if not all(os.path.isdir(x) for x in d.values()):
            print(f"bench-premap: missing {d[0]} or {d[1]}")
            return 1
        names = sorted((f[len("randread-"):-5] for f in os.listdir(d[1])
                        if f.startswith("randread-") and f.endswith(".json")),
                       key=bs_bytes)
        for bs in names:
            fio = {v: load(d[v], bs) for v in (0, 1)}
            pr = {v: profile(d[v], bs) for v in (0, 1)}
            k = {v: pr[v][0] for v in (0, 1)}
            res[(mode, bs)] = (fio, pr)
            io = {v: iops(fio[v], pr[v]) for v in (0, 1)}
            iops_r = io[1][0] / io[0][0]
            k_r = k[1] / k[0] if k[0] and k[1] else None
            f = lambda v, fmt: "-" if v is None else fmt.format(v)
            rows.append((mode, msk, bs, f"{io[0][0]:.0f}{io[0][1]}",
                         f"{io[1][0]:.0f}{io[1][1]}",
                         f"{iops_r:.3f}", f(k[0], "{:.2f}"), f(k[1], "{:.2f}"),
                         f(k_r, "{:.3f}"), f(pr[0][1], "{:.1f}%"),
                         f(pr[1][1], "{:.2f}%"),
                         f(mapins(pr[0]), "{:.0f}"), f(mapins(pr[1]), "{:.0f}")))
            dat.append(f'"{mode}\\n{bs}" {iops_r:.4f} {k_r or 0:.4f}')
            tmo = [timeouts(d[v]) for v in (0, 1)]
            if any(tmo):
                details.append(f"  {mode}: NVMe I/O timeouts in the run "
                               f"(off/on): {tmo[0]}/{tmo[1]}; windows with "
                               "one were retried")
            idle = [(pr[v][4], tick_idle(d[v], bs)) for v in (0, 1)]
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
           "map/IO on")
    w = [max(len(str(x[i])) for x in rows + [hdr]) for i in range(len(hdr))]
    fmt = "  ".join("{:<%d}" % w[i] if i < 3 else "{:>%d}" % w[i]
                    for i in range(len(hdr)))
    out = [fmt.format(*hdr)] + [fmt.format(*r) for r in rows]
    out += ["", "IOPS: reads in the perf window / window (* = fio's, no window)",
            "K: non-idle kernel samples x perf window / IOs in it / 1e3 "
            "(thousand guest instructions per IO, -icount shift=0)",
            "map%: share of non-idle kernel samples in the DMA mapping path "
            "(bench.py MAP_RE, premap lookup included)",
            "map/IO: instructions per IO in the mapping path (map% x K)", "",
            "top mapping-path symbols:"] + details + [
            "", "idle share of the perf window, perf / tick accounting "
            "(make bench-premap boots with PREMAP_BENCH_CMDLINE, idle=poll):"
            ] + idles + ["", "targets:"]

    ok = True

    def target(name, val, limit):
        nonlocal ok
        good = val is not None and val <= limit
        ok &= good
        out.append(f"  {'PASS' if good else 'FAIL'} {name}: "
                   f"{'-' if val is None else f'{val:.3f}'} <= {limit}")

    bss = sorted({bs for (_, bs) in res}, key=bs_bytes)
    for bs in bss:
        if ("strict", bs) in res and ("off", bs) in res:
            ks, ko = res[("strict", bs)][1][1][0], res[("off", bs)][1][1][0]
            target(f"K(strict,on)/K(off,on) {bs}",
                   ks / ko if ks and ko else None, 1.05)
    for (mode, bs), (_, pr) in sorted(res.items()):
        target(f"map% on, {mode} {bs}", pr[1][1], 1.0)
    if ("mdts0", "8M") in res and ("mdts0", "4k") in res:
        k8, k4 = res[("mdts0", "8M")][1][1][0], res[("mdts0", "4k")][1][1][0]
        target("mdts0 K(8M,on)/K(4k,on) per command",
               k8 / k4 if k8 and k4 else None, 1.2)
        m8 = mapins(res[("mdts0", "8M")][1][1])
        m4 = mapins(res[("mdts0", "4k")][1][1])
        if m8 and m4:
            out.append(f"  (info) mdts0 mapping path per command, 8M/4k: "
                       f"{m8:.0f}/{m4:.0f} = {m8 / m4:.2f}")
    text = "\n".join(out)
    print(text)
    with open(os.path.join(e2e, "bench-premap.txt"), "w") as fh:
        fh.write(text + "\n")
    datf = os.path.join(e2e, "bench-premap.dat")
    with open(datf, "w") as fh:
        fh.write("\n".join(dat) + "\n")
    chart(datf, os.path.join(e2e, "bench-premap.png"),
          "premap cache on / off (seed job randread, -icount shift=0)",
          "ratio on/off", [(2, "IOPS"), (3, "kernel instructions per IO (perf)")])
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
