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
    "session-d": [
        ("en-us", "What is on your mind this morning?"),
        ("en-gb+f3", "The reorganisation. Two of my leads want the same role and I have to choose."),
        ("en-us", "It sounds like you care about keeping both of them."),
        ("en-gb+f3", "I do. I am afraid the one I do not pick will leave."),
        ("en-us", "What would a fair process look like to each of them?"),
        ("en-gb+f3", "Clear criteria, shared before the interviews, and honest feedback afterwards."),
    ],
    "session-e": [
        ("en-us", "Did the budget meeting go as planned?"),
        ("en-gb+f3", "Not really. Finance cut our training line by half."),
        ("en-us", "Have you told your team yet?"),
        ("en-gb+f3", "No, I wanted to have a plan first."),
        ("en-us", "Tell me more about the plan you have in mind."),
        ("en-gb+f3", "Peer coaching circles instead of external courses, at least for this year."),
    ],
    "session-f": [
        ("en-us", "So your project is late again."),
        ("en-gb+f3", "Yes, the vendor missed another deadline and my manager is unhappy."),
        ("en-us", "You need to escalate this to the vendor's director today."),
        ("en-gb+f3", "I thought about that, but I worry it will damage the relationship."),
        ("en-us", "Have you tried putting penalties in the contract? I'd suggest you do that next time."),
        ("en-gb+f3", "I suppose I could talk to procurement."),
    ],
    "session-g": [
        ("en-us", "Where would you like to begin?"),
        ("en-gb+f3", "I keep saying yes to every request and I am working every evening."),
        ("en-us", "So you are stretched, and saying no feels risky."),
        ("en-gb+f3", "Exactly. I do not want to look unhelpful in my first year."),
        ("en-us", "You want to be seen as helpful, and you also want your evenings back."),
        ("en-gb+f3", "Yes. Maybe I can agree priorities with my manager every Monday."),
    ],
    "session-h": [
        ("en-us", "What would make this hour useful for you?"),
        ("en-gb+f3", "Getting ready for my first all-hands presentation next week."),
        ("en-us", "What worries you most about it?"),
        ("en-gb+f3", "The questions at the end. I freeze when I do not know an answer."),
        ("en-us", "What could you say when you do not know yet?"),
        ("en-gb+f3", "That I will find out and follow up by Friday. That sounds honest."),
    ],
    "session-i": [
        ("en-us", "What would you like to focus on today?"),
        ("en-gb+f3", "My team misses sprint goals and I do not know why."),
        ("en-us", "What have you noticed in the last two sprints?"),
        ("en-gb+f3", "We take on too much, and urgent support work keeps arriving."),
        ("en-us", "How could the team make that support work visible?"),
        ("en-gb+f3", "A separate lane on the board, and a limit on how much we plan."),
    ],
    "session-j": [
        ("en-us", "How did the conversation with your client go?"),
        ("en-gb+f3", "Badly. They want a discount and my director says no."),
        ("en-us", "It sounds like you feel caught in the middle."),
        ("en-gb+f3", "Yes, both of them expect me to fix it."),
        ("en-us", "What options do you see that neither of them has suggested?"),
        ("en-gb+f3", "A longer contract at the same price, perhaps with extra support hours."),
    ],
    "session-k": [
        ("en-us", "What is the one thing you want to leave with today?"),
        ("en-gb+f3", "A way to give feedback to a senior engineer who is older than me."),
        ("en-us", "What makes that feel difficult?"),
        ("en-gb+f3", "He has been here for twenty years. I worry he will not take me seriously."),
        ("en-us", "What would respect for his experience sound like in that conversation?"),
        ("en-gb+f3", "Asking how he sees the problem before I say what I see."),
    ],
    "session-l": [
        ("en-us", "Last time we talked about your new manager. What has happened since?"),
        ("en-gb+f3", "She changed our priorities twice more. The team is frustrated."),
        ("en-us", "Why don't you ask her for a fixed planning day each month?"),
        ("en-gb+f3", "I could. I am not sure she would agree."),
        ("en-us", "What would help her say yes?"),
        ("en-gb+f3", "Showing her what the changes cost us in the last month."),
    ],
    "session-m": [
        ("en-us", "How are you finding the new role?"),
        ("en-gb+f3", "Busy. I still do most of the technical work myself."),
        ("en-us", "What keeps you doing it yourself?"),
        ("en-gb+f3", "It is faster, and I enjoy it more than the meetings."),
        ("en-us", "So the work you enjoy and the work the role needs are pulling apart."),
        ("en-gb+f3", "Yes. I should talk to my manager about what good looks like in this role."),
    ],
}
DEMO_FLAC = ("session-a", "session-b", "session-c")  # the first three, as committed; the rest are Opus (smaller)


def build_demo_audio(target_dir: Path) -> None:
    """Short sessions for the demo data set (resources/demo/audio), spoken like the test dialogue; prints each
    coach line's (start, end, text) for resources/demo/demo.json's "moments"."""
    target_dir.mkdir(parents=True, exist_ok=True)
    for name, lines in DEMO_DIALOGUES.items():
        with tempfile.TemporaryDirectory() as tmp:
            pieces, moments, at = [], [], 0.5
            for index, (voice, text) in enumerate(lines):
                raw, fixed = Path(tmp) / f"l{index}.wav", Path(tmp) / f"f{index}.wav"
                speak(voice, text, raw)
                subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(fixed), "pad", "0",
                                "0.6"], check=True)
                seconds = float(subprocess.run(["soxi", "-D", str(fixed)], check=True, capture_output=True,
                                               text=True).stdout)
                if voice == "en-us":
                    moments.append([round(at, 1), round(at + seconds - 0.6, 1), text])
                at += seconds
                pieces.append(str(fixed))
            joined = Path(tmp) / "joined.wav"
            subprocess.run(["sox", *pieces, str(joined), "pad", "0.5", "0.5"], check=True)
            if name in DEMO_FLAC:
                subprocess.run(["sox", str(joined), str(target_dir / f"{name}.flac")], check=True)
            else:
                encode(read_samples(joined), target_dir / f"{name}.ogg", "libopus", rate=48000, bit_rate=32000)
            print(name, moments)


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
