#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""summary.py OUTDIR... - one table from the fio JSON reports of e2e runs.

Columns: mode (IOMMU/swiotlb/icount tag, from the directory name), rw, bs,
IOPS, MiB/s, guest usr% and sys% of the fio job (getrusage over the run),
for icount runs kernel instructions per IO = sys% x 1e9 / IOPS (under
-icount shift=0 one guest ns is one instruction), and the commands the disk
completed per IO (bench job: requests over the run / fio's IOs).
Verify jobs print their error count; any error makes the exit status 1.
Then the @@PREMAP-TEST lines of the results; a FAIL makes it 1 too.

Everything but kernel messages comes from results.log, which the guest's
/init writes to its second serial port; console.log holds the kernel log
alone. A report that does not parse fails the run and its lines around the
error are printed. Kernel messages injected during the verify job
(kmsg_noise) must appear in console.log and nowhere in results.log.
"""
import json
import os
import sys


def bs_key(name):
    rw, _, bs = name.partition("-")
    plain = bs.endswith("-plain")
    bs = bs.removesuffix("-plain").removesuffix("-4kfixed")
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    num = bs.rstrip("kKmMgG")
    mult = units.get(bs[len(num):].lower(), 1)
    return (rw, plain, int(num) * mult if num.isdigit() else 0)


def stats(log):
    """@@E2E-STAT name value pairs and the kernel command line of a run
    (from its results.log)."""
    st, cmdline = {}, ""
    with open(log, errors="replace") as fh:
        for ln in fh:
            ln = ln.replace("\r", "").strip()
            if ln.startswith("@@E2E-STAT "):
                parts = ln.split()
                if len(parts) == 3 and parts[2].lstrip("-").isdigit():
                    st[parts[1]] = int(parts[2])
            elif ln.startswith("@@E2E-CMDLINE "):
                cmdline = ln
    return st, cmdline


def run_stats(dirs):
    """(mode, stats, command line) of every run that has a results.log."""
    for d in dirs:
        log = os.path.join(d, "results.log")
        if os.path.exists(log):
            yield (os.path.basename(os.path.normpath(d)),) + stats(log)


def premap_checks(dirs):
    """The premap cache's end state and fast-path proof, per run.

    After the guest's jobs every fio process has exited, so every buffer is
    unregistered: no premap may be left (live, bytes, PRP pages 0). Unless
    the run switched the cache off or bounces (swiotlb=force: nothing may
    be premapped) or registers no buffer (the bench's plain runs),
    fixed-buffer I/O must have hit. The DMA-API windows
    (dmacount: block device reads; passthru: NVMe passthrough; polled: poll
    queue reads) must show hits and zero DMA-API map calls, and one create
    tracepoint per premap created; passthrough's verify pass must have hit
    and the polled job's reads must have raised (next to) no interrupt. The mixed job's plain O_DIRECT reads,
    made while another process held a premapped buffer, must not have been
    looked at by the cache at all.
    """
    bad = 0
    for mode, st, cmdline in run_stats(dirs):
        if "blk_premap.hits" not in st:
            continue
        g = lambda k: st.get("blk_premap." + k, 0)
        msg = []
        for k in ("premaps_live", "bytes_mapped", "prp_pages"):
            if g(k):
                msg.append(f"{k} {g(k)} after the jobs")
        if "swiotlb=force" in cmdline:
            if g("hits") or g("created"):
                msg.append("premapped under swiotlb=force")
        elif "nvme.premap=0" not in cmdline and not g("hits") and \
                not ("e2e_fixedbufs=0" in cmdline and
                     "e2e_holder=1" not in cmdline):
            msg.append("no premap hits")
        can_premap = "swiotlb=force" not in cmdline and \
            "nvme.premap=0" not in cmdline
        windows = sorted(k[:-len(".dma_map_calls")] for k in st
                         if k.endswith(".dma_map_calls"))
        for w in windows:
            if can_premap and st[f"{w}.premap_hits"] <= 0:
                msg.append(f"{w}: no hits in the window")
            if can_premap and st[f"{w}.dma_map_calls"]:
                msg.append(f"{w}: {st[f'{w}.dma_map_calls']} "
                           "DMA-API map calls while only premapped I/O ran")
            if st[f"{w}.create_events"] != st[f"{w}.created"]:
                msg.append(f"{w}: create tracepoints != created")
        if can_premap and st.get("passthru.verify_hits", 1) <= 0:
            msg.append("passthru: the verify pass never hit")
        if "polled.reads" in st and (st["polled.reads"] <= 0 or
                                     st["polled.irqs"] * 20 > st["polled.reads"]):
            msg.append(f"polled: {st['polled.irqs']} I/O queue interrupts "
                       f"for {st['polled.reads']} polled reads")
        if "mixed.premap_lookups" in st:
            if st["mixed.premap_lookups"]:
                msg.append(f"mixed: {st['mixed.premap_lookups']} premap "
                           "lookups by plain O_DIRECT reads")
            if st.get("mixed.reads", 0) <= 0:
                msg.append("mixed: no reads")
            if can_premap and st.get("holder.premaps_live", 0) <= 0:
                msg.append("mixed: the holder's buffer was not premapped")
        print(f"{mode:8} premap: hits {g('hits')} created {g('created')} "
              f"destroyed {g('destroyed')} live {g('premaps_live')} "
              f"bytes {g('bytes_mapped')}"
              + "".join(f" | {w}: hits {st[f'{w}.premap_hits']} dma_map "
                        f"calls {st[f'{w}.dma_map_calls']}" for w in windows)
              + (f" | passthru verify: hits {st['passthru.verify_hits']}"
                 if "passthru.verify_hits" in st else "")
              + (f" | polled: reads {st['polled.reads']} irqs "
                 f"{st['polled.irqs']}" if "polled.reads" in st else "")
              + (f" | mixed: reads {st.get('mixed.reads', 0)} lookups "
                 f"{st['mixed.premap_lookups']}"
                 if "mixed.premap_lookups" in st else "")
              + ("  FAIL: " + "; ".join(msg) if msg else "  ok"))
        bad |= bool(msg)
    return bad


# QEMU's nvme reports mdts=7 by default: 512 KiB per command (4 KiB pages)
QEMU_MDTS_KB = 512


def large_checks(dirs):
    """Commands per 8M read (the large job). Through premapped fixed
    buffers: as large as MDTS and the user's max_sectors_kb allow, whatever
    the IOMMU; plain O_DIRECT and the cache switched off: the queue's
    max_sectors (nvme-pci's 128 KiB IOVA-cache cap under an IOMMU); a user
    max_sectors_kb of 64 binds both; switching back on restores the first."""
    bad = 0
    for mode, st, cmdline in run_stats(dirs):
        if "large.ios" not in st:
            continue
        msk = st["large.max_sectors_kb"]
        # commands per 8M (16384 sectors) read in the window: exact where
        # every command of a case is as large as its limit; where the
        # last one of each read is shorter (swiotlb's limit), a window
        # that opened mid-read is off by less than one command per read
        per = {k[6:-5]: round(v * 16384 / st[k[:-5] + ".sectors"], 2)
               for k, v in st.items()
               if k.startswith("large.") and k.endswith(".cmds")
               and st.get(k[:-5] + ".sectors")}
        reg_kb = msk
        if "swiotlb=force" not in cmdline and "nvme.premap=0" not in cmdline:
            user = [int(a.split("=")[1]) for a in cmdline.split()
                    if a.startswith("e2e_max_sectors_kb=")]
            reg_kb = min(QEMU_MDTS_KB, user[0] if user else 1280)
        plain, fixed = -(-8192 // msk), -(-8192 // reg_kb)
        want = {"fixed": fixed, "plain": plain, "fixed_msk64": 8192 / 64,
                "fixed_again": fixed}
        if "fixed_off" in per:
            want["fixed_off"] = plain
        msg = [f"{k}: {per.get(k)} commands per 8M read, want {v:g}"
               for k, v in want.items()
               if per.get(k) is None or round(per[k]) != v]
        reg = st.get("large.max_reg_sectors_kb")
        if "nvme.premap=0" not in cmdline and reg != reg_kb:
            msg.append(f"max_reg_sectors_kb {reg}, want {reg_kb}")
        print(f"{mode:8} large: commands per 8M read "
              + " ".join(f"{k} {v:g}" for k, v in per.items())
              + ("  FAIL: " + "; ".join(msg) if msg else "  ok"))
        bad |= bool(msg)
    return bad


def show_lines(path, lineno, around=3):
    """Print the lines of path around lineno (1-based), marking lineno."""
    with open(path, errors="replace") as fh:
        lines = fh.read().splitlines()
    for i in range(max(lineno - around, 1), min(lineno + around, len(lines)) + 1):
        print(f"summary: {'>' if i == lineno else ' '}{i:6}: {lines[i - 1]}")


def noise_checks(dirs):
    """Kernel messages the verify job injected (/dev/kmsg) while fio ran and
    wrote its reports: the guest counts them (kmsg_noise.sent); the kernel
    log must show them and the results must not."""
    bad = 0
    for d in dirs:
        res = os.path.join(d, "results.log")
        con = os.path.join(d, "console.log")
        if not os.path.exists(res) or not os.path.exists(con):
            continue
        sent = stats(res)[0].get("kmsg_noise.sent")
        if sent is None:
            continue
        tag = "injected kernel message"
        with open(con, errors="replace") as fh:
            in_con = sum(tag in ln for ln in fh)
        with open(res, errors="replace") as fh:
            in_res = sum(tag in ln for ln in fh)
        mode = os.path.basename(os.path.normpath(d))
        msg = []
        if sent <= 0 or in_con <= 0:
            msg.append("no injected kernel message reached the kernel log")
        if in_res:
            msg.append(f"{in_res} injected kernel messages in the results")
        print(f"{mode:8} kmsg noise: sent {sent}, in kernel log {in_con}, "
              f"in results {in_res}" + ("  FAIL: " + "; ".join(msg) if msg
                                        else "  ok"))
        bad |= bool(msg)
    return bad


def blkmq(d):
    """Per fio run of the bench job, the disk's commands (completed read
    and write requests) over the run (@@E2E-BLKMQ lines)."""
    cmds = {}
    log = os.path.join(d, "results.log")
    if not os.path.exists(log):
        return cmds
    with open(log, errors="replace") as fh:
        for ln in fh:
            parts = ln.replace("\r", "").split()
            if len(parts) > 2 and parts[0] == "@@E2E-BLKMQ":
                kv = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
                if kv.get("commands", "").isdigit():
                    cmds[parts[1]] = int(kv["commands"])
    return cmds


def guest(d):
    """(kernel release, I/O scheduler, [@@E2E-NOTE texts]) of the boot in
    @d, from its results.log; "?" where a line is missing."""
    kern, sched, notes = "?", "?", []
    log = os.path.join(d, "results.log")
    try:
        fh = open(log, errors="replace")
    except OSError:
        return kern, sched, notes
    with fh:
        for ln in fh:
            ln = ln.replace("\r", "").strip()
            if ln.startswith("@@E2E-KERNEL "):
                kern = ln.split()[1]
            elif ln.startswith("@@E2E-QUEUE "):
                for kv in ln.split()[1:]:
                    if kv.startswith("scheduler="):
                        sched = kv.split("=", 1)[1]
            elif ln.startswith("@@E2E-NOTE "):
                notes.append(ln.split(" ", 1)[1])
    return kern, sched, notes


def guest_lines(dirs):
    """The guests' notes (@@E2E-NOTE, e.g. counters a kernel lacks), then
    which kernel each run booted and the namespace's I/O scheduler: one
    line when all runs agree."""
    seen, notes = {}, {}
    for d in dirs:
        if not os.path.exists(os.path.join(d, "results.log")):
            continue
        mode = os.path.basename(os.path.normpath(d))
        kern, sched, nts = guest(d)
        for n in nts:
            notes.setdefault(n, []).append(mode)
        seen[mode] = f"{kern}, I/O scheduler {sched}"
    out = [f"note ({', '.join(m)}): {n}" for n, m in notes.items()]
    if len(set(seen.values())) == 1:
        return "\n".join(out + ["guest: " + next(iter(seen.values()))])
    return "\n".join(out + [f"guest {m}: {v}" for m, v in seen.items()])


def main(dirs):
    rows, bad = [], 0
    for d in dirs:
        mode = os.path.basename(os.path.normpath(d))
        cmds = blkmq(d)
        icount = "icount" in mode
        accel = open(os.path.join(d, "accel")).read().strip() \
            if os.path.exists(os.path.join(d, "accel")) else "?"
        names = sorted((f[:-5] for f in os.listdir(d) if f.endswith(".json")),
                       key=bs_key)
        for name in names:
            with open(os.path.join(d, name + ".json")) as fh:
                try:
                    rep = json.load(fh)
                except json.JSONDecodeError as e:
                    print(f"summary: {d}/{name}.json: {e}")
                    show_lines(os.path.join(d, name + ".json"), e.lineno)
                    bad = 1
                    continue
            job = rep["jobs"][0]
            opts = job.get("job options", {})
            rw = opts.get("rw", "?")
            bs = opts.get("bs", opts.get("bssplit", "?"))
            st = job["read"] if job["read"]["io_bytes"] else job["write"]
            if job["write"]["io_bytes"] and "verify" in name:
                st = job["write"]
            iops = st["iops"]
            mibs = st["bw_bytes"] / (1 << 20)
            usr, sys_ = job["usr_cpu"], job["sys_cpu"]
            kins = f"{sys_ / 100 * 1e9 / iops / 1e3:.1f}" if icount and iops else "-"
            err = job.get("error", 0)
            if "verify" in name:
                rw = name
                bs = "mixed"
            elif name.startswith("mixed-") or name.endswith("-plain"):
                rw = f"{rw}-plain"
            ios = job["read"]["total_ios"] + job["write"]["total_ios"]
            cpi = f"{cmds[name] / ios:.1f}" if name in cmds and ios else "-"
            rows.append((f"{mode}/{accel}", rw, bs, f"{iops:.0f}", f"{mibs:.1f}",
                         f"{usr:.1f}", f"{sys_:.1f}", kins, cpi, str(err)))
            if err:
                bad = 1
    print(guest_lines(dirs))
    hdr = ("mode", "rw", "bs", "IOPS", "MiB/s", "usr%", "sys%",
           "Kinstr/IO", "cmds/IO", "errors")
    widths = [max(len(r[i]) for r in rows + [hdr]) for i in range(len(hdr))]
    line = "  ".join("{:<%d}" % w if i < 3 else "{:>%d}" % w
                     for i, w in enumerate(widths))
    print(line.format(*hdr))
    for r in rows:
        print(line.format(*r))
    # premap-test results (tools/premap-test)
    tests = []
    for d in dirs:
        log = os.path.join(d, "results.log")
        if not os.path.exists(log):
            continue
        mode = os.path.basename(os.path.normpath(d))
        with open(log, errors="replace") as fh:
            for ln in fh:
                ln = ln.replace("\r", "").strip()
                if ln.startswith("@@PREMAP-TEST "):
                    tests.append((mode, ln.split(" ", 1)[1]))
    bad |= premap_checks(dirs)
    bad |= noise_checks(dirs)
    bad |= large_checks(dirs)
    for mode, t in tests:
        print(f"{mode:8} premap-test {t}")
        if t.split()[1:2] != ["PASS"]:
            bad = 1
    if not rows and not tests:
        print("summary: no fio or premap-test results")
        bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
