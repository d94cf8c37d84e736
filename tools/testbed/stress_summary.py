#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""stress_summary.py DIR... - one table of make stress's boots.

Each DIR is a run-qemu.sh output directory whose results.log holds the
"@@STRESS-ROW key=value ..." line premap-stress printed. Fails (exit 1) if
a boot has no row or its row does not say result=pass.
"""
import os
import sys

COLS = [("mode", "mode"), ("ops", "ops"), ("verified_mib", "MiB verified"),
        ("resets", "resets"), ("cycles", "churn cycles"),
        ("flips", "switch flips"), ("faults", "faults injected"),
        ("fallbacks", "fallbacks"), ("dev_errors", "device errors"),
        ("leaks", "leaks"), ("reports", "reports"), ("wall_s", "wall s"),
        ("result", "result")]


def row(path):
    try:
        with open(os.path.join(path, "results.log"), errors="replace") as f:
            for line in f:
                if line.startswith("@@STRESS-ROW "):
                    return dict(kv.split("=", 1) for kv in line.split()[1:]
                                if "=" in kv)
    except OSError:
        pass
    return None


def main():
    rows, bad = [], 0
    for d in sys.argv[1:]:
        r = row(d)
        if r is None:
            print(f"stress: no result row in {d}/results.log")
            r = {"mode": os.path.basename(d), "result": "missing"}
        if r.get("result") != "pass":
            bad += 1
        rows.append(r)
    widths = [max(len(h), *(len(r.get(k, "-")) for r in rows))
              for k, h in COLS]
    print("  ".join(h.rjust(w) for (_, h), w in zip(COLS, widths)))
    for r in rows:
        print("  ".join(r.get(k, "-").rjust(w)
                        for (k, _), w in zip(COLS, widths)))
    if bad:
        print(f"stress: {bad} of {len(rows)} boots failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
