"""Peak memory of transcribing 10 minutes, 1 hour and 3 hours of speech: the app's chunked worker against the
naive approach (the whole recording decoded into one array and handed to faster-whisper at once).

    .venv/bin/pytest tests/benchmarks/test_transcription_memory_bench.py -s -o addopts=""

Peak RSS is VmHWM, read by each child process of its own memory image. The app's figure is the worker process's
peak RSS over the whole job (decode into the cache, every chunk,
speaker labels). The naive figure is the peak RSS of a process that decodes the file whole and lets faster-whisper
prepare it (features for the whole recording are computed before the first segment comes out), stopped at the
first segment: already more than the app needs for the whole job once the recording is long.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from supervisor_app.media.model import ensure_bundled_model
from supervisor_app.media.transcribe import TranscriptionSettings
from supervisor_app.paths import AppPaths
from supervisor_app.services import library, transcription
from supervisor_app.store.db import Database
from tests.benchmarks.conftest import PEAK, print_table
from tests.conftest import login, long_dialogue

LENGTHS_MIN = [int(m) for m in os.environ.get("BENCH_LENGTHS_MIN", "10,60,180").split(",")]
DIALOGUE_S = 33.0


WORKER = PEAK + textwrap.dedent("""
    import sys, time
    from supervisor_app.paths import resolve_paths
    from supervisor_app.services.transcription_worker import run_job
    from supervisor_app.store.db import Database
    db = Database(sys.argv[1])
    started = time.perf_counter()
    code = run_job(db, resolve_paths(sys.argv[2]), int(sys.argv[3]))
    print(peak_kb(), time.perf_counter() - started, code)
""")

NAIVE = PEAK + textwrap.dedent("""
    import sys
    from faster_whisper import WhisperModel
    from tests.audio_decode import decode_mono
    model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8")
    segments, _info = model.transcribe(decode_mono(sys.argv[2]), beam_size=5, vad_filter=True)
    next(iter(segments), None)
    print(peak_kb())
""")


def _run(script: str, *args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2])
    return result.stdout.split()


def test_peak_memory_is_flat_in_the_recording_length(demo_db: Database, paths: AppPaths, tmp_path: Path) -> None:
    maria = login(demo_db, "maria")
    model = ensure_bundled_model(paths.models_dir)
    rows, peaks = [], []
    for minutes in LENGTHS_MIN:
        audio = tmp_path / f"speech-{minutes}min.wav"
        seconds = long_dialogue(audio, max(1, round(minutes * 60 / DIALOGUE_S)))
        recording = library.import_recording(demo_db, maria, paths, audio, library.RecordingInput(1)).recording
        [job] = transcription.enqueue(demo_db, maria, [recording.id], TranscriptionSettings())
        started = time.perf_counter()
        rss_kb, worker_s, code = _run(WORKER, demo_db.url.render_as_string(hide_password=False),
                                      str(paths.data_dir), str(job))
        assert code == "0", transcription.get_job(demo_db, maria, job).message
        naive_kb = int(_run(NAIVE, str(model.path), str(audio))[0])
        peaks.append(int(rss_kb) / 1024)
        rows.append((f"{seconds / 60:.0f} min", f"{int(rss_kb) / 1024:.0f}", f"{naive_kb / 1024:.0f}",
                     f"{int(rss_kb) / naive_kb:.2f}", f"{float(worker_s):.0f}",
                     f"{float(worker_s) / seconds:.3f}", f"{time.perf_counter() - started:.0f}"))
        audio.unlink()
    spread = max(peaks) / min(peaks) - 1
    print_table("Peak RSS of transcription (bundled base model, int8, beam 5, VAD, word timestamps, 2 threads)",
                rows, ["recording", "app worker, whole job (MB)", "naive, up to the first segment (MB)",
                       "ratio app/naive", "worker time (s)", "real-time factor", "with naive run (s)"])
    print(f"spread of the app's peak across lengths: {spread:.1%} (target: within 20 %)")
    assert spread <= 0.20
