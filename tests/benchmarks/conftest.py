"""Benchmarks: not part of the default run. `make benchmarks` runs them and prints a table per figure."""

from __future__ import annotations

import statistics
import textwrap
from collections.abc import Sequence

# A child process's own peak RSS: VmHWM of the memory image it exec'd into (ru_maxrss survives exec and would
# report the pytest process it was forked from, which may hold a generated recording). Prepend to a child script.
PEAK = textwrap.dedent("""
    import re

    def peak_kb():
        with open("/proc/self/status") as status:
            return int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))
""")


def print_table(title: str, rows: Sequence[Sequence[object]], headers: Sequence[str]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
