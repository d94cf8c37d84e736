#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""stress_summary.py [--race|--race-only] DIR... - make stress's tables.

Each DIR is a run-qemu.sh output directory whose results.log holds the
"@@STRESS-ROW key=value ..." line premap-stress printed and, with --race,
for every boot but swiotlb's the "@@RACE-ROW ..." line of premap-race;
with --race-only just the latter (boots that ran only premap-race).
Fails (exit 1) if a boot lacks a row or a row does not say result=pass.
"""
import os
import sys

COLS = [("mode", "mode"), ("ops", "ops"), ("verified_mib", "MiB verified"),
        ("resets", "resets"), ("cycles", "churn cycles"),
        ("flips", "switch flips"), ("faults", "faults injected"),
        ("fallbacks", "fallbacks"), ("dev_errors", "device errors"),
        ("leaks", "leaks"), ("reports", "reports"), ("wall_s", "wall s"),
        ("result", "result")]
RACE_COLS = [("mode", "mode"), ("rounds", "race rounds passed"),
             ("of", "of"), ("size_mib", "buffer MiB"), ("wall_s", "wall s"),
             ("result", "result")]


def row(path, tag):
    try:
        with open(os.path.join(path, "results.log"), errors="replace") as f:
            for line in f:
                if line.startswith(tag + " "):
                    return dict(kv.split("=", 1) for kv in line.split()[1:]
                                if "=" in kv)
    except OSError:
        pass
    return None


def table(cols, rows):
    widths = [max(len(h), *(len(r.get(k, "-")) for r in rows))
              for k, h in cols]
    print("  ".join(h.rjust(w) for (_, h), w in zip(cols, widths)))
    for r in rows:
        print("  ".join(r.get(k, "-").rjust(w)
                        for (k, _), w in zip(cols, widths)))


def main():
    args = sys.argv[1:]
    race_only = "--race-only" in args
    race = race_only or "--race" in args
    dirs = [a for a in args if a not in ("--race", "--race-only")]
    rows, race_rows, bad = [], [], 0
    for d in dirs:
        mode = "-"
        if not race_only:
            r = row(d, "@@STRESS-ROW")
            if r is None:
                print(f"stress: no result row in {d}/results.log")
                r = {"mode": os.path.basename(d), "result": "missing"}
            if r.get("result") != "pass":
                bad += 1
            rows.append(r)
            mode = r.get("mode", "-")
        if not race or mode == "swiotlb":
            continue
        rr = row(d, "@@RACE-ROW")
        if rr is None:
            print(f"stress: no race row in {d}/results.log")
            rr = {"mode": mode if mode != "-" else os.path.basename(d),
                  "result": "missing"}
        if rr.get("result") != "pass":
            bad += 1
        race_rows.append(rr)
    if rows:
        table(COLS, rows)
    if rows and race_rows:
        print()
    if race_rows:
        table(RACE_COLS, race_rows)
    if bad:
        print(f"stress: {bad} of {len(rows) + len(race_rows)} results failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
