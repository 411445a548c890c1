"""Team server figures (issue 12), on the private PostgreSQL server the tests start:

    .venv/bin/pytest tests/benchmarks/test_team_bench.py -s -o addopts=""

- Load: 10 client processes (10 raters on their own laptops) for LOAD_SECONDS (default 120), each autosaving a
  draft every 1.5 s, submitting and amending every 20 saves, reading reviews between saves. Lost writes are
  counted by comparing what each client last saved with what the server holds; raw errors are any exception that
  is not one of ours. Side by side: the raw round trip of one UPDATE through psycopg on the same server.
- Streaming: a 90-minute m4a (~50 MB) imported on one laptop (copy, decode check, upload) and opened on another
  (fetch, verify): time, throughput and peak memory (VmHWM of each child process), against the naive approach
  (the file read whole and sent as one bytea value, then read back whole).
- Notifications: a submit on one client until another client's change feed has it, 30 times.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import av
import numpy as np

from supervisor_app.core.roles import Role
from supervisor_app.services import accounts, audit, calibration, library, reviews, rubrics
from supervisor_app.store.changes import ChangeFeed
from tests.benchmarks.conftest import PEAK, print_table
from tests.conftest import AUDIO, REPO_ROOT
from tests.team import PASSWORD, Team, scored_content

LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "120"))
CLIENTS = 10
STREAM_MINUTES = float(os.environ.get("STREAM_MINUTES", "90"))



def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_ten_clients_autosaving_for_two_minutes(team: Team) -> None:
    sup_db, sup, sup_paths = team.open("sup")
    admin_db, admin, _ = team.open("admin")
    recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "dialogue.flac",
                                         library.RecordingInput(1)).recording
    names = [f"load{n}" for n in range(CLIENTS)]
    ids = [accounts.create_user(admin_db, admin, name, name, Role.RATER, PASSWORD, team.login(name)).id
           for name in names]
    round_id = calibration.create_round(sup_db, sup, "Load", [recording.id], ids,
                                        rubrics.list_rubrics(sup_db, sup)[0].id,
                                        dt.datetime.now(dt.UTC) + dt.timedelta(days=7))
    review_of = {}
    for name in names:
        db, actor, _ = team.open(name)
        review_of[name] = reviews.list_reviews(db, actor)[0].id
    clients = [subprocess.Popen([sys.executable, "-m", "tests.benchmarks.team_client", team.url(name),
                                 str(LOAD_SECONDS), str(review_of[name])], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for name in names]
    progress_reads: list[float] = []
    deadline = time.monotonic() + LOAD_SECONDS
    while time.monotonic() < deadline:  # the lead watches the round's progress meanwhile
        started = time.perf_counter()
        calibration.progress(sup_db, sup, round_id)
        progress_reads.append(time.perf_counter() - started)
        time.sleep(1.0)
    results = []
    for client in clients:
        out, err = client.communicate(timeout=LOAD_SECONDS + 120)
        assert client.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    latencies = [x for r in results for x in r["latencies"]]
    lost = 0
    for name, result in zip(names, results, strict=True):
        db, actor, _ = team.open(name)
        for review_id, score in result["last"].items():
            stored = reviews.get_review(db, actor, int(review_id)).content.scores["active_listening"].score
            lost += stored != score
    raw_errors = sum(sum(r["raw"].values()) for r in results)
    our_errors: dict[str, int] = {}
    for r in results:
        for kind, count in r["ours"].items():
            our_errors[kind] = our_errors.get(kind, 0) + count
    broken = audit.verify_chain(admin_db, admin)
    with team.psql("load0") as connection:
        raw_round_trips = []
        for _ in range(200):
            started = time.perf_counter()
            connection.execute("UPDATE users SET last_login_at = now() WHERE db_login = session_user")
            raw_round_trips.append(time.perf_counter() - started)
    print_table(f"Load: {CLIENTS} clients × {LOAD_SECONDS:.0f} s against one PostgreSQL server (2 cores)", [
        ("autosaves", len(latencies)), ("reviews submitted (and amended)", sum(r["submitted"] for r in results)),
        ("autosave round-trip median", f"{statistics.median(latencies) * 1000:.1f} ms"),
        ("autosave round-trip p95", f"{_percentile(latencies, 0.95) * 1000:.1f} ms"),
        ("autosave round-trip worst", f"{max(latencies) * 1000:.1f} ms"),
        ("raw psycopg UPDATE round-trip median", f"{statistics.median(raw_round_trips) * 1000:.2f} ms"),
        ("lead's progress read median", f"{statistics.median(progress_reads) * 1000:.1f} ms"),
        ("lost writes", lost), ("raw errors", raw_errors), ("our errors", our_errors or 0),
        ("audit trail", "intact" if not broken else f"broken at {broken[:5]}"),
    ], ["figure", "value"])
    assert lost == 0
    assert raw_errors == 0
    assert not broken
    assert _percentile(latencies, 0.95) < 0.100


def _m4a(target: Path, minutes: float) -> Path:
    """Speech-like audio (the dialogue fixture, repeated) as AAC in an m4a: about 0.55 MB a minute at 72 kb/s."""
    from tests.audio_decode import decode_mono

    speech = decode_mono(AUDIO / "dialogue.flac")
    total = int(minutes * 60 * 16_000)
    with av.open(str(target), "w") as container:
        stream = container.add_stream("aac", rate=16_000, bit_rate=72_000)
        stream.layout = "mono"
        written = 0
        while written < total:
            block = (np.clip(speech[:min(len(speech), total - written)], -1, 1) * 32767).astype(np.int16)
            for start in range(0, len(block), 16_000):
                frame = av.AudioFrame.from_ndarray(block[start:start + 16_000].reshape(1, -1), format="s16",
                                                   layout="mono")
                frame.sample_rate = 16_000
                for packet in stream.encode(frame):
                    container.mux(packet)
            written += len(block)
        for packet in stream.encode(None):
            container.mux(packet)
    return target


IMPORT = PEAK + textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from supervisor_app.paths import AppPaths
    from supervisor_app.services import accounts, library
    from supervisor_app.store.db import Database
    db = Database(sys.argv[1])
    actor = accounts.server_sign_in(db)
    paths = AppPaths(Path(sys.argv[2]))
    paths.ensure()
    marks = {}
    def progress(fraction):
        if fraction >= library.COPY_SHARE and "probe" not in marks:
            marks["probe"] = time.perf_counter()
        if fraction >= 1 - library.UPLOAD_SHARE and "upload" not in marks:
            marks["upload"] = time.perf_counter()
    started = time.perf_counter()
    outcome = library.import_recording(db, actor, paths, Path(sys.argv[3]), library.RecordingInput(1),
                                       on_progress=progress)
    done = time.perf_counter()
    print(peak_kb(), done - started, done - marks["upload"], outcome.recording.id)
""")

OPEN = PEAK + textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from supervisor_app.paths import AppPaths
    from supervisor_app.services import accounts, library
    from supervisor_app.store.db import Database
    db = Database(sys.argv[1])
    actor = accounts.server_sign_in(db)
    paths = AppPaths(Path(sys.argv[2]))
    paths.ensure()
    started = time.perf_counter()
    source = library.playback_source(db, actor, paths, int(sys.argv[3]))
    print(peak_kb(), time.perf_counter() - started, source.path.stat().st_size)
""")

NAIVE = PEAK + textwrap.dedent("""
    import sys, time
    import psycopg
    data = open(sys.argv[2], "rb").read()
    with psycopg.connect(sys.argv[1], autocommit=True) as connection:
        connection.execute("CREATE TEMP TABLE whole (data bytea)")
        started = time.perf_counter()
        connection.execute("INSERT INTO whole VALUES (%s)", (data,))
        sent = time.perf_counter() - started
        del data
        started = time.perf_counter()
        back = connection.execute("SELECT data FROM whole").fetchone()[0]
        fetched = time.perf_counter() - started
    print(peak_kb(), sent, fetched, len(back))
""")


def _child(script: str, *args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO_ROOT, capture_output=True, text=True,
                            check=False, timeout=1800)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_streaming_a_ninety_minute_recording_in_and_out(team: Team, tmp_path: Path) -> None:
    source = _m4a(tmp_path / "ninety-minutes.m4a", STREAM_MINUTES)
    size_mb = source.stat().st_size / 1e6
    peak_in, total_in, upload_s, recording_id = _child(IMPORT, team.url("sup"), str(tmp_path / "laptop-a"),
                                                       str(source))
    peak_out, fetch_s, fetched_bytes = _child(OPEN, team.url("admin"), str(tmp_path / "laptop-b"), recording_id)
    assert int(fetched_bytes) == source.stat().st_size
    owner = team.owner_url.replace("postgresql+psycopg://", "postgresql://")
    naive_peak, naive_send, naive_fetch, _ = _child(NAIVE, owner, str(source))
    print_table(f"Streaming a {STREAM_MINUTES:.0f}-minute m4a ({size_mb:.1f} MB) through the team server", [
        ("import on laptop A (copy + decode check + upload)", f"{float(total_in):.1f} s",
         f"{int(peak_in) / 1024:.0f} MB", ""),
        ("  of which the upload", f"{float(upload_s):.1f} s", "", f"{size_mb / float(upload_s):.0f} MB/s"),
        ("open on laptop B (fetch + verify)", f"{float(fetch_s):.1f} s", f"{int(peak_out) / 1024:.0f} MB",
         f"{size_mb / float(fetch_s):.0f} MB/s"),
        ("naive: one bytea in", f"{float(naive_send):.1f} s", f"{int(naive_peak) / 1024:.0f} MB",
         f"{size_mb / float(naive_send):.0f} MB/s"),
        ("naive: one bytea out", f"{float(naive_fetch):.1f} s", "(same process)",
         f"{size_mb / float(naive_fetch):.0f} MB/s"),
    ], ["step", "time", "peak RSS", "throughput"])
    # flat: the fetch holds one chunk at a time, so it stays far below the naive process holding the file
    assert int(peak_out) < int(naive_peak)


def test_notification_latency_from_a_submit_to_another_laptop(team: Team) -> None:
    sup_db, sup, sup_paths = team.open("sup")
    recording = library.import_recording(sup_db, sup, sup_paths, AUDIO / "dialogue.flac",
                                         library.RecordingInput(1)).recording
    r1_db, r1, _ = team.open("r1")
    r2_id = team.open("r2")[1].user_id
    feed = ChangeFeed(sup_db)
    feed.poll()
    delays: list[float] = []
    totals: list[float] = []
    rubric = rubrics.list_rubrics(sup_db, sup)[0].id
    for n in range(30):
        calibration.create_round(sup_db, sup, f"Latency {n}", [recording.id], [r1.user_id, r2_id], rubric,
                                 dt.datetime.now(dt.UTC) + dt.timedelta(days=7))
        draft = next(r for r in reviews.list_reviews(r1_db, r1) if r.status == "draft")
        detail = reviews.get_review(r1_db, r1, draft.id)
        reviews.save_draft(r1_db, r1, detail.id, scored_content(detail, 3))
        feed.poll()
        clicked = time.perf_counter()
        reviews.submit(r1_db, r1, detail.id)
        committed = time.perf_counter()
        while not any(c.table == "reviews" and c.id == detail.id for c in feed.poll(5.0)):
            pass
        arrived = time.perf_counter()
        delays.append(arrived - committed)
        totals.append(arrived - clicked)
    feed.close()
    print_table("Notification latency, 30 submits on one laptop heard by another (the window polls its feed every "
                "250 ms on top)", [
        ("commit → other laptop's feed", f"{statistics.median(delays) * 1000:.1f} ms",
         f"{max(delays) * 1000:.1f} ms"),
        ("submit pressed → other laptop's feed", f"{statistics.median(totals) * 1000:.1f} ms",
         f"{max(totals) * 1000:.1f} ms"),
    ], ["figure", "median", "worst"])
    assert max(totals) < 2.0

