"""The review workspace on a 60-minute recording: cold decode, peaks, warm open, seek-to-sound latency.

    make benchmarks    (or: .venv/bin/pytest tests/benchmarks/test_review_bench.py -s -o addopts="")
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import insert

from supervisor_app.media.decoded import PEAK_BLOCK, compute_peaks, decode_to_cache
from supervisor_app.paths import AppPaths
from supervisor_app.services import library, reviews
from supervisor_app.store.db import Database
from supervisor_app.store.models import Transcript, TranscriptSegment
from tests.audio_decode import decode_mono
from tests.benchmarks.conftest import median, print_table
from tests.conftest import REPO_ROOT, login, long_dialogue

REPEATS = 109  # 109 x 33.2 s = 60.3 minutes


@pytest.fixture(scope="module")
def hour(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    target = tmp_path_factory.mktemp("hour") / "hour.wav"
    return target, long_dialogue(target, REPEATS)


def test_cold_decode_and_peaks(hour: tuple[Path, float], tmp_path: Path) -> None:
    source, seconds = hour
    started = time.perf_counter()
    decoded = decode_to_cache(source, tmp_path / "cache", "hour", seconds)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    in_memory = decode_mono(source)
    raw = time.perf_counter() - started
    del in_memory
    ours, naive = [], []
    for _ in range(3):
        started = time.perf_counter()
        compute_peaks(decoded.samples)
        ours.append(time.perf_counter() - started)
    started = time.perf_counter()
    samples = decoded.samples
    [(samples[i:i + PEAK_BLOCK].min(), samples[i:i + PEAK_BLOCK].max()) for i in range(0, len(samples), PEAK_BLOCK)]
    naive.append(time.perf_counter() - started)
    print_table(f"A {seconds / 60:.1f}-minute recording (16 kHz mono cache, {len(samples) * 2 / 1e6:.0f} MB)",
                [("cold decode into the memory-mapped cache (s)", f"{cold:.2f}",
                  f"{raw:.2f} (PyAV decode into RAM)", f"{cold / raw:.2f}"),
                 ("waveform peaks, median of 3 (s)", f"{median(ours):.3f}", f"{naive[0]:.2f} (a Python loop)",
                  f"{naive[0] / median(ours):.0f}x faster")],
                ["figure", "app", "comparison", "ratio"])
    assert median(ours) < 1.0


def _hour_recording(db: Database, paths: AppPaths, source: Path) -> int:
    maria = login(db, "maria")
    recording = library.import_recording(db, maria, paths, source, library.RecordingInput(1)).recording
    with db.transaction() as session:
        transcript = Transcript(recording_id=recording.id, status="complete", model_name="synthetic",
                                model_sha256="", engine_version="", settings={})
        session.add(transcript)
        session.flush()
        session.execute(insert(TranscriptSegment), [
            {"transcript_id": transcript.id, "idx": i, "start_s": i * 3.6, "end_s": i * 3.6 + 3.2,
             "text": "What would a good outcome of our conversation look like for you?",
             "speaker": "Coach" if i % 2 == 0 else "Coachee",
             "words": [[i * 3.6 + k * 0.3, i * 3.6 + k * 0.3 + 0.25, f" w{k}", 0.9] for k in range(10)],
             "avg_logprob": 0.0, "no_speech_prob": 0.0, "edited": False} for i in range(1000)])
    return recording.id


def test_open_a_60_minute_review_warm_and_cold(qtbot: QtBot, demo_db: Database, paths: AppPaths,
                                               hour: tuple[Path, float]) -> None:
    from supervisor_app.ui.app import create_application
    from supervisor_app.ui.review.review_workspace import ReviewWorkspace
    from tests.ui.conftest import make_context

    create_application()
    source, seconds = hour
    recording_id = _hour_recording(demo_db, paths, source)
    context = make_context(demo_db, paths, "maria")
    review_id = reviews.start_review(demo_db, context.actor, recording_id).id

    def open_once() -> float:
        started = time.perf_counter()
        workspace = ReviewWorkspace(context, review_id)
        qtbot.addWidget(workspace)
        workspace.resize(1400, 900)
        workspace.show()
        qtbot.waitUntil(lambda: workspace.decoded is not None, timeout=600_000)
        qtbot.waitExposed(workspace)
        elapsed = time.perf_counter() - started
        workspace.shutdown()
        workspace.close()
        return elapsed

    cold = open_once()
    warm = [open_once() for _ in range(3)]
    print_table(f"Opening the review workspace on {seconds / 60:.0f} minutes with a 1,000-segment transcript",
                [("until interactive (s)", f"{median(warm):.2f} (median of 3)", f"{cold:.2f}",
                  f"{cold / median(warm):.0f}x")],
                ["figure", "decode cache warm", "cold (first open)", "ratio"])
    assert median(warm) < 1.0


SEEK = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import numpy as np
    from supervisor_app.media.decoded import decode_to_cache
    from supervisor_app.media.player import Player
    decoded = decode_to_cache(Path(sys.argv[2]), Path(sys.argv[1]), "dialogue", 33.2)
    player = Player(decoded.samples, decoded.rate)
    player.open()
    player.set_loop(0.0, decoded.duration_s)  # the file sink is not paced: keep playing instead of ending
    player.play()
    results = []
    for target in (20.0, 5.0, 12.8, 25.0, 1.0, 17.0, 9.0):
        time.sleep(0.01)
        wanted = int(target * decoded.rate)
        seen = []
        original = player._read
        def spy(count, wanted=wanted, seen=seen, original=original):
            if not seen and player._position == wanted:
                seen.append(time.perf_counter())
            return original(count)
        player._read = spy
        started = time.perf_counter()
        player.seek(target)
        while not seen and time.perf_counter() - started < 1:
            time.sleep(0.0005)
        player._read = original
        results.append((seen[0] - started) * 1000 if seen else 1000.0)
    latency = player._stream.latency * 1000
    player.close()
    print(" ".join(f"{r:.2f}" for r in results), f"{latency:.2f}")
""")


def test_seek_to_sound_latency_through_the_file_sink(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    sink = home / "played.raw"
    (home / ".asoundrc").write_text(
        f'pcm.!default {{ type file; slave.pcm "null"; file "{sink}"; format "raw" }}\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", SEEK, str(tmp_path / "cache"),
                             str(REPO_ROOT / "tests" / "data" / "audio" / "dialogue.flac")], check=True, cwd=REPO_ROOT,
                            env={**os.environ, "HOME": str(home)}, capture_output=True, text=True, timeout=120)
    *delays, stream_latency = (float(v) for v in result.stdout.split())
    total = [d + stream_latency for d in delays]
    played = np.fromfile(sink, dtype=np.float32)
    print_table("Seek to sound: from seek() until the audio callback hands the new samples to the sink, plus the "
                "output latency PortAudio reports for the stream",
                [("callback delay after seek, median (ms)", f"{median(delays):.2f}"),
                 ("reported output latency (ms)", f"{stream_latency:.2f}"),
                 ("seek to sound, median / worst (ms)", f"{median(total):.1f} / {max(total):.1f}"),
                 ("samples that reached the sink", f"{len(played):,}")],
                ["figure", "value"])
    sink.unlink()
    assert median(total) < 50
