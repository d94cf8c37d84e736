#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kunit_results.py KUNIT_PY_DIR TEST_LOG [SUITE...] - KUnit results from a
console log that other kernel messages share.

With SUITEs, each of them must have run (a guest kernel that does not have
a suite built in would otherwise pass with the ones it has); a SUITE given
as suite.case names a case that must have passed, not been skipped (one
that skips without the hardware it needs, which the run must provide).

kunit.py reads KTAP from the guest's console, which every printk shares.
KUnit prints each KTAP line with one printk, so another kernel message can
only land between two KTAP lines, never inside one, and kunit.py's parser
takes such lines as diagnostics everywhere but in one place: between a
subtest's "KTAP version" line and its "# Subtest:" line, where one foreign
line makes the whole suite and every later one "crashed" (a loaded TCG host
prints clocksource watchdog warnings at any moment). So lines found there
are moved in front of the "KTAP version" line (nothing is dropped: they
stay in the test's log), then the log is parsed with kunit.py's own parser,
which prints its usual report. Exit status 0 only if every test passed.

Then, as a check of exactly that, a foreign kernel message is inserted
after every line of the KTAP part in turn; each such log must give the same
result for every case, or the exit status is 1.
"""
import inspect
import io
import re
import sys

NOISE = ("clocksource: Long readout interval, skipping watchdog check: "
         "cs_nsec: 1737800999 wd_nsec: 1737801360")
KTAP_VERSION = re.compile(r"^(\s*)KTAP version \d+\s*$")
KTAP_LINE = re.compile(r"(KTAP version \d|# |1\.\.\d|ok \d|not ok \d)")


def hoist(lines):
    """Move foreign lines out of every "KTAP version" .. "# Subtest:" gap."""
    out, i = [], 0
    while i < len(lines):
        m = KTAP_VERSION.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent, j = m.group(1), i + 1
        while j < len(lines) and not (lines[j].startswith(indent) and
                                      KTAP_LINE.match(lines[j][len(indent):])):
            j += 1
        if j < len(lines) and lines[j][len(indent):].startswith("# Subtest:"):
            out.extend(lines[i + 1:j])
            out.append(lines[i])
            out.append(lines[j])
            i = j + 1
        else:
            out.append(lines[i])
            i += 1
    return out


def results(kunit_parser, lines, printer):
    """The parsed main test of a log, and what to compare of it: (status,
    [(test path, status, number of subtests)...]). kunit.py's parser prints
    through its module's stdout printer (6.12) or through the one it is
    given (7.x): @printer."""
    if "printer" in inspect.signature(kunit_parser.parse_run_tests).parameters:
        test = kunit_parser.parse_run_tests(iter(hoist(lines)), printer)
        # 7.x left the "Testing complete" line to kunit.py
        kunit_parser.print_summary_line(test, printer)
    else:
        test = kunit_parser.parse_run_tests(iter(hoist(lines)))
    flat = []

    def walk(t, path):
        for s in t.subtests:
            walk(s, path + (s.name,))
        flat.append((path, t.status.name, len(t.subtests)))
    walk(test, ())
    return test, (test.status.name, flat)


def noise_check(kunit_parser, kunit_printer, lines, clean):
    start = next((i for i, ln in enumerate(lines) if "KTAP version" in ln),
                 None)
    if start is None:
        return 1
    end = next((i for i in range(start, len(lines))
                if "reboot: " in lines[i] or "kunit: KTAP END" in lines[i]),
               len(lines))
    prefix = re.match(r"^(\[[ 0-9.]+\] )?", lines[start]).group(0)
    noise = prefix + NOISE + "\n"
    saved, bad = getattr(kunit_parser, "stdout", None), []
    quiet = kunit_printer.Printer(output=io.StringIO())
    kunit_parser.stdout = quiet
    try:
        for i in range(start, end):
            _, got = results(kunit_parser,
                             lines[:i + 1] + [noise] + lines[i + 1:], quiet)
            if got != clean:
                bad.append(i + 1)
    finally:
        kunit_parser.stdout = saved
    print(f"kunit: a kernel message after each of lines {start + 1}-{end} "
          f"of the log in turn: {end - start} parses, {len(bad)} differ"
          + (f" (after lines {bad[:10]})" if bad else ""))
    return 1 if bad else 0


def main(kunit_dir, log, suites=()):
    sys.path.insert(0, kunit_dir)
    import kunit_parser  # noqa: E402
    import kunit_printer  # noqa: E402

    with open(log, errors="replace") as fh:
        lines = fh.read().splitlines(keepends=True)
    test, clean = results(kunit_parser, lines, kunit_printer.stdout)
    if clean[0] != "SUCCESS":
        return 1
    ran = {path[0] for path, _, _ in clean[1] if len(path) == 1}
    missing = [s for s in suites if "." not in s and s not in ran]
    if missing:
        print(f"kunit: suites that did not run: {' '.join(missing)} "
              f"(ran: {' '.join(sorted(ran))})")
        return 1
    passed = {".".join(path) for path, status, _ in clean[1]
              if len(path) == 2 and status == "SUCCESS"}
    missing = [s for s in suites if "." in s and s not in passed]
    if missing:
        print(f"kunit: cases that did not pass (skipped?): "
              f"{' '.join(missing)}")
        return 1
    return noise_check(kunit_parser, kunit_printer, lines, clean)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
