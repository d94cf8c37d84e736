#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""configdiff.py CONFIG_A CONFIG_B [PARITY] - the .config lines that differ
between two guest kernels built from the same fragments (make bench: pristine
6.12 and pristine 7.3), each with the reason PARITY gives for it.

Three groups: symbols set in both to different values (each must have a
reason: exit status 1 otherwise), symbols set only in A and only in B (the
other base has no such symbol; those set to n are counted, not listed).
Values are those of the .config files; "n" stands for "is not set".
"""
import fnmatch
import re
import sys

LINE = re.compile(r"^(?:CONFIG_(\w+)=(.*)|# CONFIG_(\w+) is not set)$")


def load(path):
    cfg = {}
    with open(path) as fh:
        for ln in fh:
            m = LINE.match(ln.strip())
            if m:
                cfg[m.group(1) or m.group(3)] = m.group(2) if m.group(1) else "n"
    return cfg


def reasons(path):
    rules = []
    with open(path) as fh:
        for ln in fh:
            if ln.strip() and not ln.startswith("#"):
                pat, _, why = ln.rstrip("\n").partition("\t")
                rules.append((pat.strip(), why.strip()))
    return rules


def why(rules, sym, changed):
    """The reason for @sym; rules marked "only:" explain a symbol only one
    kernel has, never a value both have but set differently."""
    for p, w in rules:
        only = p.startswith("only:")
        if only and changed:
            continue
        if fnmatch.fnmatchcase(sym, p.removeprefix("only:")):
            return w
    return None


def main(a, b, parity=None):
    ca, cb = load(a), load(b)
    rules = reasons(parity) if parity else []
    bad = 0
    changed = sorted(s for s in ca.keys() & cb.keys() if ca[s] != cb[s])
    print(f"config: {len(changed)} symbols set differently in\n  A {a}\n  B {b}")
    for s in changed:
        w = why(rules, s, True)
        print(f"  {s}: {ca[s]} -> {cb[s]}  ({w or 'NO REASON GIVEN'})")
        bad |= w is None
    for name, x, y in (("A", ca, cb), ("B", cb, ca)):
        only = sorted(s for s in x.keys() - y.keys())
        off = [s for s in only if x[s] == "n"]
        on = [s for s in only if x[s] != "n"]
        print(f"config: only in {name} (no such symbol in the other): "
              f"{len(on)} set, {len(off)} n")
        for s in on:
            w = why(rules, s, False)
            print(f"  {s}={x[s]}" + (f"  ({w})" if w else ""))
    if bad:
        print("config: a symbol both kernels have differs without a reason "
              "(add it to tools/testbed/config-parity.txt, or set it in "
              "guest.config)")
    return bad


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
