"""Transcription through the app's pipeline vs raw faster-whisper; GUI stall during a transcription; WER.

    make benchmarks    (or: .venv/bin/pytest tests/benchmarks -s -o addopts="")
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import jiwer
import pytest
from PySide6.QtCore import QElapsedTimer, QTimer
from pytestqt.qtbot import QtBot

from supervisor_app.media.model import ensure_bundled_model
from supervisor_app.media.transcribe import TranscriptionSettings
from supervisor_app.paths import AppPaths
from supervisor_app.services import library, transcription, transcripts
from supervisor_app.store.db import Database
from tests.audio_decode import decode_mono
from tests.benchmarks.conftest import median, print_table
from tests.conftest import AUDIO, login, long_dialogue, run_jobs
from tests.data.make_audio_fixtures import encode

RUNS = 3
REPEATS = 6  # 6 x 33 s = about 200 s of speech

RAW_SCRIPT = textwrap.dedent("""
    import json, sys
    from faster_whisper import BatchedInferencePipeline, WhisperModel
    model_dir, audio, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=options.pop("cpu_threads"))
    engine = BatchedInferencePipeline(model) if "batch_size" in options else model
    segments, info = engine.transcribe(audio, **options)
    print(sum(1 for _ in segments))
""")


def _options(settings: TranscriptionSettings) -> dict[str, object]:
    options = {k: v for k, v in settings.decode_options().items() if v is not None}
    return {**options, "cpu_threads": settings.cpu_threads}


def _raw_seconds(model_dir: Path, audio: Path, settings: TranscriptionSettings) -> tuple[float, int]:
    import json

    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", RAW_SCRIPT, str(model_dir), str(audio),
                             json.dumps(_options(settings))], capture_output=True, text=True, check=True)
    return time.perf_counter() - started, int(result.stdout.strip())


def _app_seconds(db: Database, paths: AppPaths, recording_id: int, settings: TranscriptionSettings
                 ) -> tuple[float, int]:
    maria = login(db, "maria")
    started = time.perf_counter()
    transcription.enqueue(db, maria, [recording_id], settings, replace=True)
    run_jobs(db, paths, timeout_s=900)
    elapsed = time.perf_counter() - started
    return elapsed, len(transcripts.get_transcript(db, maria, recording_id).segments)


@pytest.fixture
def long_recording(demo_db: Database, paths: AppPaths, tmp_path: Path) -> tuple[Database, AppPaths, int, Path, float]:
    audio = tmp_path / "long-dialogue.wav"
    seconds = long_dialogue(audio, REPEATS)
    outcome = library.import_recording(demo_db, login(demo_db, "maria"), paths, audio, library.RecordingInput(1))
    return demo_db, paths, outcome.recording.id, audio, seconds


def test_pipeline_overhead_against_raw_faster_whisper(long_recording: tuple[Database, AppPaths, int, Path, float]
                                                      ) -> None:
    db, paths, recording_id, audio, seconds = long_recording
    settings = TranscriptionSettings()
    model = ensure_bundled_model(paths.models_dir)
    raw_times, app_times, counts = [], [], []
    for _ in range(RUNS):
        raw, raw_count = _raw_seconds(model.path, audio, settings)
        app, app_count = _app_seconds(db, paths, recording_id, settings)
        raw_times.append(raw)
        app_times.append(app)
        counts.append((raw_count, app_count))
    ratio = median(app_times) / median(raw_times)
    print_table(f"Transcription of {seconds:.0f} s of speech, bundled base model, int8, "
                f"{settings.cpu_threads} threads, beam 5, VAD, word timestamps ({RUNS} runs each, alternating)",
                [("wall time, median (s)", f"{median(app_times):.2f}", f"{median(raw_times):.2f}", f"{ratio:.3f}"),
                 ("all runs (s)", " ".join(f"{t:.1f}" for t in app_times), " ".join(f"{t:.1f}" for t in raw_times),
                  ""),
                 ("segments", counts[0][1], counts[0][0], "")],
                ["figure", "app pipeline (worker process)", "raw faster-whisper (process)", "ratio"])
    assert ratio <= 1.10


def test_gui_event_loop_stays_free_during_transcription(qtbot: QtBot,
                                                        long_recording: tuple[Database, AppPaths, int, Path, float]
                                                        ) -> None:
    from supervisor_app.ui.app import create_application, settle_heap
    from supervisor_app.ui.library.library_page import LibraryPage
    from supervisor_app.ui.library.transcription_controller import TranscriptionController
    from tests.ui.conftest import make_context

    create_application()
    db, paths, recording_id, _audio, seconds = long_recording
    context = make_context(db, paths, "maria")
    controller = TranscriptionController(context)
    page = LibraryPage(context, controller)
    qtbot.addWidget(page)
    page.resize(1280, 820)
    page.show()
    page.select_recording(recording_id)
    settle_heap()  # as run_gui does once the window is up
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(5)
    ticker.timeout.connect(tick)
    ticker.start()
    page.transcribe_selected()
    qtbot.waitUntil(lambda: library.get_recording(db, context.actor, recording_id).transcript_status
                    == "transcribed", timeout=900_000)
    ticker.stop()
    controller.shutdown()
    gaps.sort()
    longest, p99 = gaps[-1], gaps[int(len(gaps) * 0.99)]
    print_table(f"GUI event loop while transcribing {seconds:.0f} s (5 ms ticker, {len(gaps)} ticks)",
                [("longest stall (ms)", longest), ("99th percentile gap (ms)", p99), ("target (ms)", "< 100")],
                ["figure", "value"])
    assert longest < 100


@pytest.mark.parametrize("codec", ["flac", "mp3", "opus", "aac"])
def test_word_error_rate(codec: str, demo_db: Database, paths: AppPaths, tmp_path: Path) -> None:
    source = AUDIO / "dialogue.flac"
    if codec != "flac":
        suffix = {"mp3": ".mp3", "opus": ".ogg", "aac": ".m4a"}[codec]
        target = tmp_path / f"dialogue{suffix}"
        encoder = {"mp3": "libmp3lame", "opus": "libopus", "aac": "aac"}[codec]
        samples = (decode_mono(source) * 32767).astype("int16")
        encode(samples, target, encoder, rate=48000 if codec == "opus" else 16000, bit_rate=32000)
        source = target
    maria = login(demo_db, "maria")
    recording = library.import_recording(demo_db, maria, paths, source, library.RecordingInput(1)).recording
    transcription.enqueue(demo_db, maria, [recording.id], TranscriptionSettings())
    run_jobs(demo_db, paths)
    hypothesis = " ".join(s.text for s in transcripts.get_transcript(demo_db, maria, recording.id).segments)
    normalise = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(),
                               jiwer.Strip(), jiwer.ReduceToListOfListOfWords()])
    reference = (AUDIO / "dialogue.txt").read_text("utf-8")
    error = jiwer.wer(reference, hypothesis, reference_transform=normalise, hypothesis_transform=normalise)
    print_table(f"Word error rate, dialogue fixture as {codec} (espeak-ng, two voices, 33 s)",
                [(f"{error:.1%}", "≤ 15 %")], ["WER", "aim"])
    assert error <= 0.15
