"""What redaction costs: a rater's transcript of a 60-minute session (720 segments) read redacted against read
raw, and the redaction pass with the rules alone and with the optional language model, side by side.

make benchmarks    (or: .venv/bin/pytest tests/benchmarks/test_redaction_bench.py -s -o addopts="")
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from supervisor_app.paths import AppPaths
from supervisor_app.services import redaction, transcripts
from supervisor_app.store.db import Database
from tests.benchmarks.conftest import median, print_table
from tests.conftest import login
from tests.core.redaction_quality import FIXTURE, _parse
from tests.scripted import scripted_transcript

SEGMENTS = 720  # 60 minutes at 5 s a segment


def _lines() -> tuple[tuple[str, str], ...]:
    utterances = [_parse(line)[0] for line in FIXTURE.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")]
    rng = random.Random(7)
    return tuple((("Coach", "Coachee")[i % 2], rng.choice(utterances)) for i in range(SEGMENTS))


def _timed(action: Callable[[], object], repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return median(runs)


def test_redaction_costs(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    recording = scripted_transcript(demo_db, paths, _lines())
    raw = _timed(lambda: transcripts.get_transcript(demo_db, maria, recording), 5)
    redacted = _timed(lambda: transcripts.get_transcript(demo_db, maria, recording, raw=False), 5)
    engine = redaction.ner_engine()
    rules_pass = _timed(lambda: [redaction.rules.suggest(s.text, [], []) for s in
                                 transcripts.get_transcript(demo_db, maria, recording).segments], 3)
    started = time.perf_counter()
    added = redaction.suggest(demo_db, maria, recording)
    full_pass = time.perf_counter() - started
    assert engine is not None
    assert added > 0
    print_table(f"Redaction on a 60-minute transcript ({SEGMENTS} segments), median of runs", [
        ("open the transcript raw (supervisor)", f"{raw * 1000:.0f} ms", "1.0×"),
        ("open it redacted (rater: stored decisions + rules again)", f"{redacted * 1000:.0f} ms",
         f"{redacted / raw:.1f}×"),
        ("the patterns alone over every segment (no names, no storage)", f"{rules_pass * 1000:.0f} ms", ""),
        (f"redaction pass with the language model ({added} suggestions stored)", f"{full_pass:.1f} s", ""),
    ], ["step", "time", "vs raw"])
