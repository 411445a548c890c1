"""Long, varied speech with known words for the transcription benchmarks: every coach utterance of the stance
sets, the coachee lines of the demo and of the speaker fixtures, spoken by four espeak-ng voices at three speeds
with pauses between, cycled until the wanted length (needs espeak-ng: `apt-get install espeak-ng`)."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from scipy.signal import resample_poly

from tests.data.make_audio_fixtures import DEMO_DIALOGUES
from tests.data.make_speaker_fixtures import COACH, COACHEE, THIRD

RATE = 16_000
DATA = Path(__file__).resolve().parents[1] / "data"
VOICES = (("en-us", 35), ("en-gb+f3", 80), ("en-us+m3", 45), ("en-gb+f2", 70))


def _lines() -> list[str]:
    lines = []
    for name in ("labelled.tsv", "held_out.tsv"):
        for row in (DATA / "stance" / name).read_text("utf-8").splitlines():
            if row and not row.startswith("#"):
                lines.append(row.split("\t", 1)[1])
    lines += [text for dialogue in DEMO_DIALOGUES.values() for voice, text in dialogue if voice != "en-us"]
    return lines + COACH + COACHEE + THIRD


def _speak(voice: str, pitch: int, speed: int, text: str) -> npt.NDArray[np.float32]:
    wav = subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "--stdout", text],
                         check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(wav)) as handle:
        rate = handle.getframerate()
        samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16).astype(np.float32) / 32768
    return resample_poly(samples, RATE, rate).astype(np.float32)


@dataclass(frozen=True)
class Speech:
    seconds: float
    words: str
    turns: list[tuple[int, float, float]]  # voice (index in VOICES), start, end


def varied_speech(target: Path, minutes: float, seed: int = 7) -> Speech:
    """Write about `minutes` of speech to `target` (16 kHz mono WAV): its length, words and turns."""
    if shutil.which("espeak-ng") is None:
        # Only the benchmarks (make benchmarks, never CI) speak their audio; espeak-ng is a tool for them, not a
        # dependency of the app, so without it they say what to install rather than fail.
        pytest.skip("the transcription benchmarks speak their audio with espeak-ng: apt-get install espeak-ng")
    rng = random.Random(seed)
    lines, pieces, words = _lines(), [], []
    turns: list[tuple[int, float, float]] = []
    total, wanted, turn = 0, int(minutes * 60 * RATE), 0
    while total < wanted:
        order = lines[:]
        rng.shuffle(order)
        for text in order:
            voice, pitch = VOICES[turn % len(VOICES)]
            clip = _speak(voice, pitch, rng.choice((145, 160, 175)), text)
            pause = np.zeros(int(rng.uniform(0.3, 1.0) * RATE), dtype=np.float32)
            pieces += [clip, pause]
            words.append(text)
            turns.append((turn % len(VOICES), total / RATE, (total + len(clip)) / RATE))
            total += len(clip) + len(pause)
            turn += 1
            if total >= wanted:
                break
    audio = np.concatenate(pieces)
    with wave.open(str(target), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes((np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes())
    return Speech(len(audio) / RATE, " ".join(words), turns)
