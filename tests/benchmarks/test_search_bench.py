"""Full-text search over 10,000 transcripts (500,000 segments): FTS5 vs a naive LIKE scan, side by side.

make benchmarks    (or: .venv/bin/pytest tests/benchmarks/test_search_bench.py -s -o addopts="")
"""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from sqlalchemy import func, insert, select, text

from supervisor_app.paths import AppPaths
from supervisor_app.services import library, transcripts
from supervisor_app.store.db import Database
from supervisor_app.store.models import Recording, Transcript, TranscriptSegment
from tests.benchmarks.conftest import median, print_table
from tests.conftest import login

RECORDINGS = 10_000
SEGMENTS_PER_RECORDING = 50
VOCABULARY = [
    "team",
    "delegate",
    "decision",
    "meeting",
    "plan",
    "goal",
    "feedback",
    "manager",
    "project",
    "deadline",
    "priority",
    "stakeholder",
    "conversation",
    "trust",
    "conflict",
    "budget",
    "hiring",
    "promotion",
    "workload",
    "energy",
    "confidence",
    "presentation",
    "customer",
    "strategy",
    "quarter",
    "review",
    "outcome",
    "habit",
    "boundary",
    "calendar",
    "delegation",
    "coaching",
    "question",
    "listen",
    "notice",
    "option",
    "commit",
    "weekly",
    "monthly",
    "escalation",
    "handover",
    "ownership",
    "clarity",
]
FILLER = [
    "the",
    "a",
    "to",
    "and",
    "of",
    "I",
    "you",
    "it",
    "that",
    "we",
    "is",
    "was",
    "in",
    "for",
    "on",
    "with",
    "my",
    "this",
    "what",
    "how",
]
QUERIES = [
    "delegate",
    "weekly meeting",
    "handover ownership",
    "confid",
    "escalation budget",
    "trust conflict",
    "promotion",
    "stakeholder strategy",
    "calendar bound",
    "what would",
]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(FILLER) if rng.random() < 0.55 else rng.choice(VOCABULARY) for _ in range(rng.randint(6, 18))]
    return " ".join(words).capitalize() + "."


@pytest.fixture(scope="module")
def big_library(tmp_path_factory: pytest.TempPathFactory, demo_template: object) -> tuple[Database, AppPaths]:
    import shutil

    from supervisor_app.services import system

    paths = AppPaths(tmp_path_factory.mktemp("search-bench") / "data")
    paths.ensure()
    shutil.copy(demo_template, paths.database_file)  # type: ignore[arg-type]
    db = system.open_database(paths, paths.default_database_url()).database
    rng = random.Random(7)
    started = time.perf_counter()
    with db.transaction() as session:
        session.execute(
            insert(Recording),
            [
                {
                    "id": n + 1,
                    "sha256": f"{n:064x}",
                    "original_name": f"session-{n:05d}.m4a",
                    "stored_name": f"x/{n}",
                    "size_bytes": 1,
                    "container": "mp4",
                    "codec": "aac",
                    "duration_s": 1800.0,
                    "sample_rate": 16000,
                    "channels": 1,
                    "has_video": False,
                    "damage_note": "",
                    "coach_id": 1 + n % 11,
                    "coachee_pseudonym": f"Leader {n % 97}",
                    "session_date": dt.date(2025, 1, 1),
                    "imported_at": dt.datetime.now(dt.UTC),
                }
                for n in range(RECORDINGS)
            ],
        )
        session.execute(
            insert(Transcript),
            [
                {
                    "id": n + 1,
                    "recording_id": n + 1,
                    "status": "complete",
                    "model_name": "synthetic",
                    "model_sha256": "",
                    "engine_version": "",
                    "settings": {},
                    "language": "en",
                    "language_probability": 1.0,
                    "created_at": dt.datetime.now(dt.UTC),
                }
                for n in range(RECORDINGS)
            ],
        )
        for first in range(0, RECORDINGS, 1000):
            session.execute(
                insert(TranscriptSegment),
                [
                    {
                        "transcript_id": n + 1,
                        "idx": i,
                        "start_s": i * 30.0,
                        "end_s": i * 30.0 + 25,
                        "text": _sentence(rng),
                        "speaker": "Coach" if i % 2 == 0 else "Coachee",
                        "words": [],
                        "avg_logprob": 0.0,
                        "no_speech_prob": 0.0,
                        "edited": False,
                    }
                    for n in range(first, first + 1000)
                    for i in range(SEGMENTS_PER_RECORDING)
                ],
            )
    print(f"\nbuilt {RECORDINGS:,} transcripts in {time.perf_counter() - started:.0f} s")
    return db, paths


def _naive(db: Database, query: str) -> int:
    """What an app without an index does: a LIKE scan over every segment for every word."""
    with db.transaction() as session:
        statement = select(TranscriptSegment.id)
        for word in query.split():
            statement = statement.where(TranscriptSegment.text.ilike(f"%{word}%"))
        return len(session.scalars(statement.limit(200)).all())


def test_search_over_ten_thousand_transcripts(big_library: tuple[Database, AppPaths]) -> None:
    db, _paths = big_library
    maria = login(db, "maria")
    with db.transaction() as session:
        assert session.scalar(select(func.count(TranscriptSegment.id))) == RECORDINGS * SEGMENTS_PER_RECORDING
        session.execute(text("SELECT count(*) FROM segment_fts"))
    ours, naive, hits = [], [], []
    for _ in range(3):
        for query in QUERIES:
            started = time.perf_counter()
            found = transcripts.search(db, maria, query)
            ours.append(time.perf_counter() - started)
            hits.append(len(found))
            started = time.perf_counter()
            _naive(db, query)
            naive.append(time.perf_counter() - started)
    ours_ms, naive_ms = median(ours) * 1000, median(naive) * 1000
    print_table(
        f"Search over {RECORDINGS:,} transcripts / {RECORDINGS * SEGMENTS_PER_RECORDING:,} segments "
        f"({len(QUERIES)} queries x 3, up to 200 hits each)",
        [
            ("median query (ms)", f"{ours_ms:.1f}", f"{naive_ms:.1f}", f"{naive_ms / ours_ms:.1f}x"),
            ("slowest query (ms)", f"{max(ours) * 1000:.1f}", f"{max(naive) * 1000:.1f}",
             f"{max(naive) / max(ours):.1f}x"),
            ("median hits", median(hits), "", ""),
        ],
        ["figure", "FTS5 (app)", "LIKE scan (naive)", "speed-up"],
    )
    assert ours_ms < 100


def test_library_list_with_ten_thousand_recordings(big_library: tuple[Database, AppPaths]) -> None:
    db, _paths = big_library
    maria = login(db, "maria")
    lazy, eager = [], []
    for _ in range(5):
        started = time.perf_counter()
        ids = library.recording_ids(db, maria)
        library.recording_rows(db, maria, ids[:200])
        lazy.append(time.perf_counter() - started)
        started = time.perf_counter()
        library.recording_rows(db, maria, ids)
        eager.append(time.perf_counter() - started)
    print_table(
        f"Opening the library with {RECORDINGS:,} recordings (5 runs)",
        [
            (
                "median (ms)",
                f"{median(lazy) * 1000:.0f}",
                f"{median(eager) * 1000:.0f}",
                f"{median(eager) / median(lazy):.1f}x",
            )
        ],
        ["figure", "ids + first block (app)", "every row at once (naive)", "speed-up"],
    )
    assert median(lazy) < median(eager)
