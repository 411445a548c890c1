"""Regenerate the speaker-attribution fixtures (needs espeak-ng and sox from Debian, and PyAV from the venv).

    .venv/bin/python -m tests.data.make_speaker_fixtures

Each case is a conversation of espeak-ng voices with its reference turns (who, start, end, words) beside it, so the
share of speech correctly attributed and the DER are measured against known truth. Three sets, by when they were
made: "tune" shaped the method (media/diarize.py); "check" and "held" were made after a first version and were
then looked at while it was improved (pitch scaled like the MFCCs, pieces cut at pauses, restarts); "final" was
made after the method was frozen and measured once: its figures are the honest estimate.
"""

from __future__ import annotations

import json
import random
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from tests.data.make_audio_fixtures import encode

OUT = Path(__file__).resolve().parent / "speakers"
RATE = 16000
COACH = [
 "What would you like to get out of our time today?", "Tell me more about what happened in that meeting.",
 "How did your team react when you said that?", "It sounds like you felt left out of the decision.",
 "What is the hardest part of this for you?", "So you want to be fair and you also want to move quickly.",
 "Have you spoken to your manager about it?", "What options can you see from here?",
 "What would you do if you knew it would work?", "You seem more relaxed when you talk about the new project.",
 "Which of those matters most to you right now?", "How will you know that you have made progress?",
 "Is there anything that would stop you from starting on Monday?", "What support would help you most?"]
COACHEE = ["I would like a plan for the quarterly review with my director.",
 "It went badly. Nobody listened and the decision was already made before I arrived.",
 "Most of them were quiet, and one person looked relieved, which surprised me.",
 "Yes, exactly. I found out from an email afterwards.",
 "Probably telling people that their favourite project is going to stop.",
 "Right. I keep changing my mind between those two.",
 "Not yet. I wanted to understand my own view first.",
 "I could run a short workshop, or simply ask each lead for their priorities.",
 "I would stop checking every report and trust the team to escalate problems.",
 "I am. It feels like something I can actually shape.",
 "Keeping the two senior engineers on board, I think.",
 "When the team brings me solutions rather than problems.",
 "Only the budget review, but that finishes on Friday.",
 "Someone to think out loud with before the big meetings."]
THIRD = ["Can I add something here? The budget has already been approved.",
 "From the finance side, we would need the numbers by the end of the month.",
 "I agree with that, and I can help with the workshop.",
 "That matches what I heard from the other teams as well.",
 "Let me check the calendar and come back to you both.",
 "We tried something similar last year and it worked well."]



def speak(voice: str, pitch: int, text: str, speed: int) -> np.ndarray:
    """One line, 16 kHz float32, with the silence espeak-ng puts around it trimmed (the reference is the speech)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(raw), text],
                       check=True)
        subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)], check=True)
        with wave.open(str(out)) as handle:
            data = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16).astype(np.float32) / 32768
    loud = np.flatnonzero(np.abs(data) > 0.01)
    return data[loud[0]:loud[-1] + 1]


def build(voices: list[tuple[str, int]], turns: int, seed: int, noise_db: float | None = None,
          overlap: bool = False) -> tuple[np.ndarray, list[tuple[int, float, float, str]]]:
    """Alternating turns (every third by the third voice when there are three) with 0.25–0.9 s pauses; with
    `overlap`, every fifth turn starts 0.8 s before the previous one ends; pink noise at `noise_db` dB SNR."""
    rng = random.Random(seed)
    pools = [COACH, COACHEE, THIRD]
    if len(voices) == 3:
        order = [2 if turn % 3 == 2 else turn % 3 for turn in range(turns)]
    else:
        order = [turn % 2 for turn in range(turns)]
    audio = np.zeros(600 * RATE, dtype=np.float32)
    turns_made: list[tuple[int, float, float, str]] = []
    used = [0, 0, 0]
    at = RATE // 2
    for turn, who in enumerate(order):
        voice, pitch = voices[who]
        words = pools[who][(seed + used[who]) % len(pools[who])]
        used[who] += 1
        clip = speak(voice, pitch, words, speed=rng.choice([145, 155, 165]))
        start = at - int(0.8 * RATE) if overlap and turn % 5 == 4 else at  # barging in 0.8 s early
        audio[start:start + len(clip)] += clip
        turns_made.append((who, start / RATE, (start + len(clip)) / RATE, words))
        at = start + len(clip) + int(rng.uniform(0.25, 0.9) * RATE)
    audio = audio[:at + RATE // 2]
    if noise_db is not None:  # pink noise: white noise shaped 1/f in the spectrum
        spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(len(audio)))
        pink = np.fft.irfft(spectrum / np.sqrt(np.maximum(np.arange(len(spectrum)), 1)), n=len(audio))
        speech_power = np.mean(np.square(audio[np.abs(audio) > 0.01]))
        pink *= np.sqrt(speech_power / 10 ** (noise_db / 10) / np.mean(np.square(pink)))
        audio = audio + pink.astype(np.float32)
    return np.clip(audio, -1, 1), turns_made


CASES = {
    # name: (set, voices, turns, noise dB SNR, overlap)
    "different": ("tune", [("en-us", 35), ("en-gb+f3", 80)], 16, None, False),
    "different-noise": ("tune", [("en-us", 35), ("en-gb+f3", 80)], 16, 10, False),
    "similar": ("tune", [("en-us+m3", 45), ("en-gb+m1", 50)], 16, None, False),
    "similar-noise": ("tune", [("en-us+m3", 45), ("en-gb+m1", 50)], 16, 10, False),
    "three": ("tune", [("en-us", 35), ("en-gb+f3", 80), ("en-us+m7", 60)], 18, None, False),
    "overlap": ("tune", [("en-us", 35), ("en-gb+f3", 80)], 16, None, True),
    "check-different": ("check", [("en-gb", 40), ("en-us+f2", 75)], 16, None, False),
    "check-different-noise": ("check", [("en-gb", 40), ("en-us+f2", 75)], 16, 10, False),
    "check-similar": ("check", [("en-us+m2", 42), ("en-us+m5", 48)], 16, None, False),
    "check-similar-noise": ("check", [("en-us+m2", 42), ("en-us+m5", 48)], 16, 10, False),
    "check-three": ("check", [("en-gb+m3", 40), ("en-us+f4", 80), ("en-us", 55)], 18, None, False),
    "check-three-noise": ("check", [("en-gb+m3", 40), ("en-us+f4", 80), ("en-us", 55)], 18, 12, False),
    "held-different": ("held", [("en-us+m4", 38), ("en-gb+f5", 85)], 16, None, False),
    "held-different-noise": ("held", [("en-us+m4", 38), ("en-gb+f5", 85)], 16, 8, False),
    "held-similar": ("held", [("en-gb+m2", 45), ("en-gb+m6", 50)], 16, None, False),
    "held-similar-noise": ("held", [("en-gb+m2", 45), ("en-gb+m6", 50)], 16, 8, False),
    "held-three": ("held", [("en-us+m1", 40), ("en-gb+f2", 75), ("en-gb+m5", 55)], 18, None, False),
    "held-overlap": ("held", [("en-us+m4", 38), ("en-gb+f5", 85)], 16, 15, True),
    # made after the method was frozen (the "held" set had been looked at while the pieces were still cut
    # wrongly); measured once
    "final-different": ("final", [("en-us+m6", 36), ("en-us+f3", 78)], 16, None, False),
    "final-different-noise": ("final", [("en-us+m6", 36), ("en-us+f3", 78)], 16, 10, False),
    "final-similar": ("final", [("en-us+m1", 44), ("en-gb+m4", 48)], 16, None, False),
    "final-similar-noise": ("final", [("en-us+m1", 44), ("en-gb+m4", 48)], 16, 10, False),
    "final-three": ("final", [("en-gb+m7", 42), ("en-us+f5", 82), ("en-us+m2", 58)], 18, None, False),
    "final-three-noise": ("final", [("en-gb+m7", 42), ("en-us+f5", 82), ("en-us+m2", 58)], 18, 10, False),
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for number, (name, (group, voices, turns, noise, overlap)) in enumerate(CASES.items()):
        audio, turns_made = build(voices, turns, seed=number + 3, noise_db=noise, overlap=overlap)
        encode((audio * 32767).astype(np.int16), OUT / f"{name}.ogg", "libopus", rate=48000, bit_rate=20000)
        (OUT / f"{name}.json").write_text(json.dumps({
            "set": group, "voices": [f"{v} pitch {p}" for v, p in voices], "noise_db": noise, "overlap": overlap,
            "turns": [{"speaker": who, "start": round(a, 3), "end": round(b, 3), "text": words}
                      for who, a, b, words in turns_made]}, indent=1) + "\n", encoding="utf-8")
        print(name, round(len(audio) / RATE, 1))


if __name__ == "__main__":
    main()
