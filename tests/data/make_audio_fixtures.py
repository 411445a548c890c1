"""Regenerate the committed audio fixtures (needs espeak-ng and sox from Debian, and PyAV from the venv).

    .venv/bin/python tests/data/make_audio_fixtures.py

Speech comes from espeak-ng (two voices: coach and coachee), so its words are known exactly for the WER check.
"""

from __future__ import annotations

import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

OUT = Path(__file__).resolve().parent / "audio"
DIALOGUE = [
    ("en-us", "Thanks for making time today. What would you like to work on in this session?"),
    ("en-gb+f3", "I want to get better at delegating. My team keeps bringing every decision back to me."),
    ("en-us", "What would a good outcome of our conversation look like for you?"),
    ("en-gb+f3", "A clear plan for handing over the weekly planning meeting by the end of the month."),
    ("en-us", "What have you already tried?"),
    ("en-gb+f3", "I asked Sam to run it once, but I stepped in after ten minutes."),
    ("en-us", "What made you step in?"),
]
RATE = 16000


PITCH = {"en-us": "35", "en-gb+f3": "80"}  # two clearly different voices: coach low, coachee high


def speak(voice: str, text: str, target: Path) -> None:
    subprocess.run(["espeak-ng", "-v", voice, "-p", PITCH[voice], "-s", "150", "-w", str(target), text], check=True)


def build_dialogue(folder: Path) -> Path:
    pieces = []
    for index, (voice, text) in enumerate(DIALOGUE):
        raw = folder / f"line{index}.wav"
        speak(voice, text, raw)
        fixed = folder / f"fixed{index}.wav"
        subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(fixed), "pad", "0", "0.6"],
                       check=True)
        pieces.append(str(fixed))
    dialogue = folder / "dialogue.wav"
    subprocess.run(["sox", *pieces, str(dialogue), "pad", "0.5", "0.5"], check=True)
    return dialogue


DEMO_DIALOGUES = {
    "session-b": [
        ("en-us", "Where would you like to start today?"),
        ("en-gb+f3", "My new manager changes priorities every week and my team is exhausted."),
        ("en-us", "You should just push back and tell her the plan is fixed."),
        ("en-gb+f3", "Maybe. I have not really said anything yet."),
        ("en-us", "What would you want her to understand by Friday?"),
    ],
    "session-c": [
        ("en-us", "Last time you planned to ask Priya for feedback. How did that go?"),
        ("en-gb+f3", "I asked her on Tuesday and she said my updates are too long."),
        ("en-us", "What do you make of that?"),
        ("en-gb+f3", "I think I write for my own comfort rather than for the reader."),
        ("en-us", "What will you try in next week's update, and how will you know it worked?"),
    ],
}


def build_demo_audio(target_dir: Path) -> None:
    """Two short sessions for the demo data set (resources/demo/audio), spoken like the test dialogue."""
    target_dir.mkdir(parents=True, exist_ok=True)
    for name, lines in DEMO_DIALOGUES.items():
        with tempfile.TemporaryDirectory() as tmp:
            pieces = []
            for index, (voice, text) in enumerate(lines):
                raw, fixed = Path(tmp) / f"l{index}.wav", Path(tmp) / f"f{index}.wav"
                speak(voice, text, raw)
                subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(fixed), "pad", "0",
                                "0.6"], check=True)
                pieces.append(str(fixed))
            subprocess.run(["sox", *pieces, str(target_dir / f"{name}.flac"), "pad", "0.5", "0.5"], check=True)


def read_samples(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        chunks = [frame.to_ndarray().reshape(-1) for packet_frame in container.decode(audio=0)
                  for frame in resampler.resample(packet_frame)]
    return np.concatenate(chunks)


def encode(samples: np.ndarray, target: Path, codec: str, rate: int = RATE, bit_rate: int | None = None,
           with_video: bool = False) -> None:
    with av.open(str(target), "w") as container:
        video = None
        if with_video:
            video = container.add_stream("mpeg4", rate=5)
            video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"
        if bit_rate:
            stream.bit_rate = bit_rate
        frame_size = 960 if codec == "libopus" else 1024
        resampler = av.AudioResampler(format=stream.format.name if stream.format else "s16", layout="mono",
                                      rate=rate)
        pts = 0
        for start in range(0, len(samples), frame_size):
            chunk = samples[start:start + frame_size].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            frame.sample_rate = RATE
            frame.pts = pts
            frame.time_base = Fraction(1, RATE)
            pts += chunk.shape[1]
            for converted in resampler.resample(frame):
                container.mux(stream.encode(converted))
        for converted in resampler.resample(None):
            container.mux(stream.encode(converted))
        container.mux(stream.encode(None))
        if video is not None:
            seconds = len(samples) / RATE
            for index in range(int(seconds * 5)):
                image = av.VideoFrame.from_ndarray(np.full((48, 64, 3), index % 255, dtype=np.uint8), format="rgb24")
                image.pts = index
                container.mux(video.encode(image))
            container.mux(video.encode(None))


def video_without_audio(target: Path) -> None:
    with av.open(str(target), "w") as container:
        video = container.add_stream("mpeg4", rate=5)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        for index in range(10):
            image = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), dtype=np.uint8), format="rgb24")
            image.pts = index
            container.mux(video.encode(image))
        container.mux(video.encode(None))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        dialogue = build_dialogue(Path(tmp))
        samples = read_samples(dialogue)
        subprocess.run(["sox", str(dialogue), str(OUT / "dialogue.flac")], check=True)
        (OUT / "dialogue.txt").write_text(" ".join(text for _, text in DIALOGUE) + "\n", encoding="utf-8")
        short = samples[: RATE * 6]
        subprocess.run(["sox", str(dialogue), str(OUT / "short.wav"), "trim", "0", "6"], check=True)
        encode(short, OUT / "short.mp3", "libmp3lame", bit_rate=32000)
        encode(short, OUT / "short.m4a", "aac", bit_rate=32000)
        encode(short, OUT / "short.ogg", "libopus", rate=48000, bit_rate=24000)
        encode(short, OUT / "short.opus", "libopus", rate=48000, bit_rate=24000)
        encode(short, OUT / "short.webm", "libopus", rate=48000, bit_rate=24000)
        encode(short, OUT / "short.mp4", "aac", bit_rate=32000, with_video=True)
        subprocess.run(["sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(OUT / "silence.wav"),
                        "trim", "0", "5"], check=True)
        subprocess.run(["sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(OUT / "music.wav"),
                        "synth", "1.5", "pluck", "C4", "pluck", "E4", ":", "synth", "1.5", "pluck", "G4",
                        ":", "synth", "1.5", "pluck", "A3", ":", "synth", "1.5", "pluck", "F4",
                        "vol", "0.5"], check=True)
    (OUT / "empty.mp3").write_bytes(b"")
    (OUT / "notes.mp3").write_text("Meeting notes: this is a text file renamed to .mp3\n" * 20, encoding="utf-8")
    m4a = (OUT / "short.m4a").read_bytes()
    (OUT / "truncated.m4a").write_bytes(m4a[: len(m4a) // 3])
    mp3 = (OUT / "short.mp3").read_bytes()
    (OUT / "truncated.mp3").write_bytes(mp3[: len(mp3) // 3])  # its Xing header still claims 6 s
    video_without_audio(OUT / "video_only.mp4")
    (OUT / "archive.ogg").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)


if __name__ == "__main__":
    main()
    build_demo_audio(Path(__file__).resolve().parents[2] / "resources" / "demo" / "audio")
