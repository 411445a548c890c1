"""Probing and decoding audio (and the audio of video files) with PyAV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av

from supervisor_app.errors import SupervisorError

SUPPORTED_SUFFIXES = (".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".oga", ".opus", ".webm", ".mp4", ".m4v",
                      ".mov", ".mkv")
TRANSCRIPTION_RATE = 16_000
DAMAGE_RATIO = 0.9
DAMAGE_MIN_SECONDS = 1.0


class MediaError(SupervisorError):
    """A file that cannot be used as a recording; the message says why and what to do."""


@dataclass(frozen=True)
class Probe:
    container: str
    codec: str
    duration_s: float
    sample_rate: int
    channels: int
    decoded_s: float
    has_video: bool

    @property
    def damage_note(self) -> str:
        """Non-empty when the audio ends clearly before the container says it should."""
        missing = self.duration_s - self.decoded_s
        if self.duration_s > 0 and self.decoded_s < self.duration_s * DAMAGE_RATIO and missing > DAMAGE_MIN_SECONDS:
            return (f"Damaged: only {self.decoded_s:.1f} s of the {self.duration_s:.1f} s the file declares could be "
                    "decoded (the file is probably truncated).")
        return ""


def check_suffix(path: Path) -> None:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
        raise MediaError(f"{path.name}: unsupported file type {path.suffix or '(none)'!r}. Import one of: {kinds}.")


def _open(path: Path, name: str | None = None) -> av.container.InputContainer:
    name = name or path.name
    if not path.is_file():
        raise MediaError(f"{path}: there is no such file.")
    if path.stat().st_size == 0:
        raise MediaError(f"{name}: the file is empty (0 bytes). Copy the recording again from its source.")
    try:
        return av.open(str(path), mode="r")
    except av.error.FFmpegError as exc:
        raise MediaError(f"{name}: not a readable audio or video file ({exc.strerror or exc}): it may be "
                         "damaged or incomplete, or a different kind of file renamed.") from exc


def probe(path: Path, on_progress: Callable[[float], None] | None = None,
          is_cancelled: Callable[[], bool] | None = None, *, name: str | None = None) -> Probe:
    """Read the container's facts and decode the whole audio stream once, to find damage and the true length.
    `name` is the file's name for messages (the path may be a private copy)."""
    name = name or path.name
    check_suffix(Path(name))
    container = _open(path, name)
    with container:
        if not container.streams.audio:
            kind = "a video with no audio stream" if container.streams.video else "a file with no audio stream"
            raise MediaError(f"{name}: {kind}. Export the recording again with its sound.")
        stream = container.streams.audio[0]
        codec = stream.codec_context
        if codec is None or not getattr(codec, "name", ""):
            raise MediaError(f"{name}: its audio is in a format this app cannot decode. Convert it to WAV, FLAC "
                             "or MP3 with the recorder's software, then import it again.")
        rate = getattr(stream, "rate", None) or codec.sample_rate or 0
        duration = _declared_duration(container, stream)
        decoded_samples = 0
        try:
            for frame in container.decode(stream):
                decoded_samples += frame.samples
                if on_progress and duration:
                    on_progress(min(decoded_samples / rate / duration, 1.0) if rate else 0.0)
                if is_cancelled and is_cancelled():
                    raise MediaError(f"{name}: import cancelled.")
        except av.error.FFmpegError:
            pass  # a damaged tail: what decoded so far is measured and compared below
        decoded = decoded_samples / rate if rate else 0.0
        if decoded_samples == 0:
            raise MediaError(f"{name}: contains no decodable audio (the file is damaged or incomplete).")
        return Probe(
            container=container.format.name, codec=codec.name, duration_s=duration or decoded,
            sample_rate=rate, channels=codec.channels or 0, decoded_s=decoded,
            has_video=bool(container.streams.video),
        )


def _declared_duration(container: av.container.InputContainer, stream: av.audio.stream.AudioStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0
