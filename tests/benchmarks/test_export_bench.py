"""Exporting 100,000 score rows: time and peak memory, streaming (write-only) against openpyxl's normal mode on
the same data, side by side, each run in its own process.

    make benchmarks    (or: .venv/bin/pytest tests/benchmarks/test_export_bench.py -s -o addopts="")

Two levels: the sheet writer alone (with raw openpyxl, no styles and no text safety, as the floor), and the whole
`export_audit` from a database of 10,000 submitted reviews x 10 competencies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
from sqlalchemy import insert, select

from supervisor_app.paths import AppPaths
from supervisor_app.services import accounts, system
from supervisor_app.store.models import Coach, EvidenceItem, Recording, Review, ReviewScore, RubricVersion, User
from tests.benchmarks.conftest import print_table
from tests.benchmarks.export_worker import COMPETENCIES

ROWS = 100_000
REVIEWS = ROWS // 10
ROOT = Path(__file__).resolve().parents[2]


def measure(mode: str, source: str, out: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks.export_worker", mode, source, str(out)],
                          cwd=ROOT, capture_output=True, text=True, check=True, timeout=1800)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def row(name: str, figures: dict[str, float], reference: dict[str, float]) -> tuple[str, ...]:
    extra = figures["peak_mb"] - figures["before_mb"]
    reference_extra = reference["peak_mb"] - reference["before_mb"]
    return (name, f"{figures['seconds']:.1f}", f"{figures['peak_mb']:.0f}", f"{extra:.0f}",
            f"{figures['seconds'] / reference['seconds']:.2f}", f"{extra / max(reference_extra, 1):.2f}",
            f"{figures['bytes'] / 1e6:.1f}")


def rows_in(path: Path) -> int:
    """Rows of the Scores sheet, counted (a streamed sheet has no dimension record to read)."""
    book = openpyxl.load_workbook(path, read_only=True)
    return sum(1 for _ in book["Scores"].iter_rows(values_only=True))


HEADERS = ["mode", "time (s)", "peak RSS during the work (MB)", "added by the work (MB)", "time ratio",
           "memory ratio", "file (MB)"]


def test_sheet_writer_streaming_against_normal_mode(tmp_path: Path) -> None:
    streaming = measure("writer-streaming", str(ROWS), tmp_path / "streaming.xlsx")
    normal = measure("writer-normal", str(ROWS), tmp_path / "normal.xlsx")
    raw = measure("raw-openpyxl", str(ROWS), tmp_path / "raw.xlsx")
    print_table(f"Scores sheet, {ROWS:,} rows x 16 columns (ratios against normal mode)",
                [row("streaming (write-only), ours", streaming, normal), row("normal mode, ours", normal, normal),
                 row("raw openpyxl write-only, plain values", raw, normal)], HEADERS)
    assert rows_in(tmp_path / "streaming.xlsx") == ROWS + 1
    assert streaming["peak_mb"] - streaming["before_mb"] < (normal["peak_mb"] - normal["before_mb"]) / 2


def seed(paths: AppPaths) -> None:
    """10,000 submitted reviews x 10 competencies (100,000 score rows) and 20,000 evidence items."""
    db = system.open_database(paths, paths.default_database_url()).database
    accounts.create_first_admin(db, "admin", "Benchmark Admin", "benchmark-password")
    now = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    with db.transaction() as session:
        rubric_id = session.scalar(select(RubricVersion.id))
        document = session.execute(select(RubricVersion.document)).scalar_one()
        ids = [competency["id"] for competency in document["competencies"]]
        session.execute(insert(User), [{"username": f"rater{i}", "display_name": f"Rater {i:02d}",
                                        "password_hash": "x", "role": "supervisor"} for i in range(12)])
        raters = list(session.scalars(select(User.id).where(User.username.like("rater%"))))
        session.execute(insert(Coach), [{"employee_id": f"E{i:04d}", "name": f"Coach {i:03d}",
                                         "level": "certified_internal_coach"} for i in range(200)])
        coaches = list(session.scalars(select(Coach.id)))
        session.execute(insert(Recording), [{
            "sha256": hashlib.sha256(str(i).encode()).hexdigest(), "original_name": f"s{i}.m4a",
            "stored_name": f"s{i}.m4a", "size_bytes": 1, "container": "mp4", "codec": "aac", "duration_s": 3600.0,
            "sample_rate": 16000, "channels": 1, "coach_id": coaches[i % len(coaches)],
            "coachee_pseudonym": f"CE-{i:04d}", "session_date": dt.date(2026, 7, 1) + dt.timedelta(days=i % 90)}
            for i in range(REVIEWS // 5)])
        recordings = list(session.scalars(select(Recording.id)))
        session.execute(insert(Review), [{
            "recording_id": recordings[i // 5], "rubric_version_id": rubric_id, "rater_id": raters[i % 12],
            "status": "submitted", "submitted_at": now + dt.timedelta(minutes=i)} for i in range(REVIEWS)])
        reviews = list(session.scalars(select(Review.id)))
        session.execute(insert(ReviewScore), [{
            "review_id": review, "competency_id": competency, "score": None if k >= 8 else 1 + (review + k) % 5,
            "gate_passed": (review % 3 > 0) if k >= 8 else None,
            "rationale": f"Review {review}: asked an open question, then let the silence work; the coachee named "
                         "the next step."}
            for review in reviews for k, competency in enumerate(ids)])
        session.execute(insert(EvidenceItem), [{
            "review_id": review, "competency_id": ids[j], "start_s": 60.0 * j + 12, "end_s": 60.0 * j + 20,
            "quote": "What would you like to be different by the end of this conversation?",
            "tag": "asked open question"} for review in reviews for j in range(2)])
    db.dispose()
    assert len(COMPETENCIES) == len(ids)


def test_whole_export_streaming_against_normal_mode(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "data")
    seed(paths)
    streaming = measure("export-streaming", str(paths.data_dir), tmp_path / "streaming.xlsx")
    normal = measure("export-normal", str(paths.data_dir), tmp_path / "normal.xlsx")
    print_table(f"export_audit over {REVIEWS:,} reviews ({ROWS:,} score rows, {2 * REVIEWS:,} evidence items; "
                "ratios against normal mode)",
                [row("streaming (write-only)", streaming, normal), row("normal mode", normal, normal)], HEADERS)
    assert rows_in(tmp_path / "streaming.xlsx") == ROWS + 1
    assert streaming["peak_mb"] - streaming["before_mb"] < normal["peak_mb"] - normal["before_mb"]
