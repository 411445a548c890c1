"""One measured export in a fresh process, so each mode's peak memory is its own.

    python -m tests.benchmarks.export_worker writer-streaming|writer-normal|raw-openpyxl ROWS OUT.xlsx
    python -m tests.benchmarks.export_worker export-streaming|export-normal DATA_DIR OUT.xlsx

Prints one JSON line: seconds, resident memory just before the work and its peak during the work (MB), sampled
every 10 ms from /proc (the process's lifetime peak would be the import of numpy and scipy, not the export).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from openpyxl import Workbook

from supervisor_app.core.roles import Role
from supervisor_app.paths import AppPaths
from supervisor_app.services import system
from supervisor_app.services.context import Actor
from supervisor_app.services.export import ExportScope, export_audit
from supervisor_app.services.xlsx import Column, Kind, SheetWriter, new_workbook

COLUMNS = [Column("Review", Kind.INT), Column("Session date", Kind.DATE), Column("Coach"), Column("Level"),
           Column("Coachee"), Column("Recording"), Column("Rater"), Column("Round"), Column("Competency"),
           Column("Type"), Column("Core"), Column("Score", Kind.INT), Column("Gate decision"),
           Column("Not observed"), Column("Submitted (UTC)", Kind.DATETIME), Column("Rationale", Kind.WRAP, width=60)]
COMPETENCIES = ["Establishes the session agreement", "Listens actively", "Asks powerful questions",
                "Evokes awareness", "Partners on options", "Designs actions", "Maintains presence",
                "Cultivates trust and safety", "Sets a measurable follow-up", "Upholds ethics and confidentiality"]


def score_rows(count: int) -> Iterator[Sequence[object]]:
    """The Scores sheet's shape: 100,000 rows look like 10,000 reviews of 10 competencies."""
    start = dt.datetime(2026, 7, 1, 9, 0)
    for index in range(count):
        review = index // 10
        gate = index % 10 >= 8
        yield [review + 1, dt.date(2026, 7, 1) + dt.timedelta(days=review % 90), f"Coach {review % 200:03d}",
               "Certified Internal Coach", f"CE-{review % 500:04d}", f"#{review // 5 + 1}",
               f"Rater {review % 12:02d}", "", COMPETENCIES[index % 10], "gate" if gate else "scale", "core",
               None if gate else 1 + (index * 7) % 5, ("pass" if index % 3 else "not yet met") if gate else "", "",
               start + dt.timedelta(minutes=review),
               f"Review {review}: asked an open question at 12:{index % 60:02d}, then let the silence work; "
               "the coachee named the next step."]


PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE_MB


class PeakSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_mb()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.01):
            self.peak = max(self.peak, rss_mb())


def main() -> None:
    mode, source, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    if mode.startswith("export-"):
        paths = AppPaths(Path(source))
        db = system.open_database(paths, paths.default_database_url()).database
        admin = Actor(1, "admin", "Benchmark Admin", Role.ADMIN)
        before, sampler = rss_mb(), PeakSampler()
        sampler.start()
        started = time.perf_counter()
        export_audit(db, admin, ExportScope(start=dt.date(2000, 1, 1), end=dt.date(2100, 1, 1)), out,
                     streaming=mode == "export-streaming")
    else:
        rows = int(source)
        before, sampler = rss_mb(), PeakSampler()
        sampler.start()
        started = time.perf_counter()
        if mode == "raw-openpyxl":  # the library alone: plain values, no styles, no text safety
            book = Workbook(write_only=True)
            sheet = book.create_sheet("Scores")
            sheet.append([c.header for c in COLUMNS])
            for row in score_rows(rows):
                sheet.append(row)
        else:
            book = new_workbook(streaming=mode == "writer-streaming")
            SheetWriter(book, "Scores", COLUMNS).write(score_rows(rows))
        book.save(out)
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    print(json.dumps({"mode": mode, "seconds": seconds, "before_mb": before, "peak_mb": max(sampler.peak, rss_mb()),
                      "bytes": out.stat().st_size}))


if __name__ == "__main__":
    main()
