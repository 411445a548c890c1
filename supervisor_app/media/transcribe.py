"""Offline transcription with faster-whisper: a plain function with progress and cancellation hooks."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from supervisor_app.media.audio import TRANSCRIPTION_RATE
from supervisor_app.media.model import ModelError, ModelInfo, ensure_bundled_model, local_model

BUNDLED = "bundled"
COMPUTE_TYPES = ("int8", "int8_float32", "float32", "int16")
# Segments that Whisper itself thinks are probably not speech and that it decoded with low confidence are
# dropped: on silence or music these are the classic invented sentences.
NO_SPEECH_DROP = 0.6
LOGPROB_DROP = -1.0


def engine_version() -> str:
    return f"faster-whisper {metadata.version('faster-whisper')}"


@dataclass(frozen=True)
class TranscriptionSettings:
    model: str = BUNDLED
    language: str | None = None
    compute_type: str = "int8"
    threads: int = 0
    beam_size: int = 5
    vad_filter: bool = True
    word_timestamps: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TranscriptionSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known}).validated()

    def validated(self) -> TranscriptionSettings:
        if self.compute_type not in COMPUTE_TYPES:
            raise ModelError(f"Compute type {self.compute_type!r} is not available on the CPU; use one of "
                             f"{', '.join(COMPUTE_TYPES)}.")
        if not 1 <= self.beam_size <= 10:
            raise ModelError("Beam size must be between 1 and 10.")
        if not 0 <= self.threads <= 64:
            raise ModelError("Threads must be between 0 (all cores) and 64.")
        if self.language is not None and not (2 <= len(self.language) <= 3 and self.language.isalpha()):
            raise ModelError(f"Language {self.language!r} is not a language code such as 'en' or 'de' "
                             "(leave it empty to detect the language).")
        return self

    @property
    def cpu_threads(self) -> int:
        return self.threads or (os.cpu_count() or 1)

    def decode_options(self) -> dict[str, Any]:
        """The faster-whisper options this app uses, recorded with every transcript."""
        return {
            "language": self.language, "beam_size": self.beam_size, "vad_filter": self.vad_filter,
            "word_timestamps": self.word_timestamps, "condition_on_previous_text": False,
            "no_speech_threshold": 0.6, "log_prob_threshold": -1.0, "compression_ratio_threshold": 2.4,
            "hallucination_silence_threshold": 2.0 if self.word_timestamps else None,
        }


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True)
class SegmentResult:
    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    avg_logprob: float
    no_speech_prob: float


@dataclass(frozen=True)
class RunInfo:
    language: str
    language_probability: float
    duration_s: float


def resolve_model(settings: TranscriptionSettings, models_dir: Path) -> ModelInfo:
    if settings.model == BUNDLED:
        return ensure_bundled_model(models_dir)
    candidate = Path(settings.model).expanduser()
    if candidate.exists() or os.sep in settings.model:
        return local_model(candidate)
    return ModelInfo(settings.model, candidate, "")


def load_model(info: ModelInfo, settings: TranscriptionSettings) -> Any:
    from faster_whisper import WhisperModel

    source = str(info.path) if info.sha256 else info.name
    try:
        return WhisperModel(source, device="cpu", compute_type=settings.compute_type,
                            cpu_threads=settings.cpu_threads, local_files_only=True)
    except OSError as exc:
        if not info.sha256:
            raise ModelError(
                f"The model {info.name!r} is not on this computer, and downloading it needs a network connection, "
                "which this app never uses. Choose the bundled model or a local CTranslate2 model folder."
            ) from exc
        raise ModelError(f"The model in {info.path} cannot be loaded: {exc}") from exc
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"The model {info.name!r} cannot be loaded: {exc}") from exc


def transcribe(
    model: Any,
    audio: npt.NDArray[np.float32],
    settings: TranscriptionSettings,
    *,
    offset_s: float = 0.0,
    on_segment: Callable[[SegmentResult], None],
    on_progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> RunInfo:
    """Transcribe `audio` (16 kHz mono, starting `offset_s` into the recording); times are recording times."""
    options = settings.decode_options()
    segments, info = model.transcribe(audio, **{k: v for k, v in options.items() if v is not None})
    total = offset_s + len(audio) / TRANSCRIPTION_RATE
    for segment in segments:
        if is_cancelled and is_cancelled():
            break
        if on_progress:
            on_progress(min(offset_s + segment.end, total))
        text = segment.text.strip()
        if not text or (segment.no_speech_prob > NO_SPEECH_DROP and segment.avg_logprob < LOGPROB_DROP):
            continue
        words = tuple(Word(offset_s + w.start, offset_s + w.end, w.word, w.probability) for w in segment.words or ())
        on_segment(SegmentResult(offset_s + segment.start, offset_s + segment.end, text, words,
                                 segment.avg_logprob, segment.no_speech_prob))
    if on_progress:
        on_progress(total)
    return RunInfo(info.language, info.language_probability, total)
