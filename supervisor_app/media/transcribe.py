"""Offline transcription with faster-whisper: a plain function with progress and cancellation hooks."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from supervisor_app.media.audio import TRANSCRIPTION_RATE
from supervisor_app.media.model import ModelError, ModelInfo, ensure_bundled_model, local_model

BUNDLED = "bundled"
COMPUTE_TYPES = ("int8", "int8_float32", "float32", "int16")
# Segments that Whisper itself thinks are probably not speech and that it decoded with low confidence are
# dropped: on silence or music these are the classic invented sentences.
NO_SPEECH_DROP = 0.6
# Batched windows hold at most this much speech. Windows filled to Whisper's full 30 s lost their first words
# (18 s of a 5-minute test lost outright: WER 12.7 % against 6.2 % one window after the other); at 20 s the
# batched words were as good as sequential ones (docs/performance.md).
BATCH_WINDOW_S = 20
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
    # faster-whisper's BatchedInferencePipeline: the speech found by its VAD is decoded batch_size windows at a
    # time (0: one window after the other, as WhisperModel.transcribe does). Figures: docs/performance.md.
    batch_size: int = 8

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
        if not 0 <= self.batch_size <= 32:
            raise ModelError("Batch size must be between 0 (no batching) and 32.")
        if self.language is not None and not (2 <= len(self.language) <= 3 and self.language.isalpha()):
            raise ModelError(f"Language {self.language!r} is not a language code such as 'en' or 'de' "
                             "(leave it empty to detect the language).")
        return self

    @property
    def batched(self) -> bool:
        """Batching needs the VAD: it decodes the stretches of speech the VAD found, side by side."""
        return self.batch_size > 0 and self.vad_filter

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
            **({"batch_size": self.batch_size, "chunk_length": BATCH_WINDOW_S} if self.batched else {}),
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
    options = {k: v for k, v in settings.decode_options().items() if v is not None}
    if settings.batched:
        from faster_whisper import BatchedInferencePipeline

        segments, info = BatchedInferencePipeline(model).transcribe(audio, **options)
    else:
        segments, info = model.transcribe(audio, **options)
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


class AudioSource(Protocol):
    """16 kHz mono float32 audio read a slice at a time (media.decoded.PcmFile, or an array)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: slice, /) -> npt.NDArray[np.float32]: ...


# The engine is fed CHUNK_S of audio at a time, cut at the quietest moment of the chunk's last CUT_SEARCH_S, so
# memory stays flat whatever the recording's length (a whole 10-hour recording passed 3 GB in one array) and a
# cut falls between words. Whisper itself works in 30 s windows without context across them
# (condition_on_previous_text is off), so chunking costs nothing in accuracy away from the cuts.
CHUNK_S = 300.0
CUT_SEARCH_S = 20.0
_CUT_BLOCK = 1_600  # 100 ms
# Below this level (−50 dBFS RMS) a stretch is silence: the engine is not asked about it, and a segment that
# comes back over it is dropped whatever the VAD setting (with VAD off, Whisper "hears" "You" in silence).
SILENCE_RMS = 10 ** (-50 / 20)
VOICED_SHARE = 0.25  # a segment whose words lie over less voiced audio than this was not said
_VOICE_FRAME = 320  # 20 ms


def _rms(audio: npt.NDArray[np.float32]) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0


def _cut_point(audio: AudioSource, start: int, end: int) -> int:
    """Where to end a chunk: the quietest 100 ms block in the last CUT_SEARCH_S before `end` (at most the
    chunk's second half, so every chunk keeps at least half its length)."""
    search_from = max((start + end) // 2, end - int(CUT_SEARCH_S * TRANSCRIPTION_RATE))
    tail = audio[search_from:end]
    blocks = len(tail) // _CUT_BLOCK
    if blocks < 2:
        return end
    energy = np.square(tail[:blocks * _CUT_BLOCK].astype(np.float64)).reshape(blocks, _CUT_BLOCK).mean(axis=1)
    return search_from + int(np.argmin(energy)) * _CUT_BLOCK + _CUT_BLOCK // 2


def transcribe_source(
    model: Any,
    audio: AudioSource,
    settings: TranscriptionSettings,
    *,
    offset_s: float = 0.0,
    on_segment: Callable[[SegmentResult], None],
    on_progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    chunk_s: float = CHUNK_S,
) -> RunInfo:
    """Transcribe a whole recording from `offset_s` on, chunk by chunk (see CHUNK_S); the language detected in the
    first chunk with speech holds for the rest. Silent chunks and segments over silence are skipped."""
    total = len(audio)
    position = min(int(offset_s * TRANSCRIPTION_RATE), total)
    chunk = max(int(chunk_s * TRANSCRIPTION_RATE), TRANSCRIPTION_RATE)
    language, probability = settings.language or "", 1.0 if settings.language else 0.0

    def voiced(start_s: float, end_s: float) -> tuple[int, int]:
        """(frames above the silence level, frames) in 20 ms frames between the two times."""
        first = int(start_s * TRANSCRIPTION_RATE)
        samples = audio[first:max(int(end_s * TRANSCRIPTION_RATE), first + 1)]
        frames = max(len(samples) // _VOICE_FRAME, 1)
        usable = samples[:frames * _VOICE_FRAME] if len(samples) >= _VOICE_FRAME else samples
        energy = np.sqrt(np.mean(np.square(usable.astype(np.float64)).reshape(frames, -1), axis=1))
        return int((energy >= SILENCE_RMS).sum()), frames

    def keep(segment: SegmentResult) -> None:
        # judged by the audio under its words where the engine timed them, else under the whole segment: an
        # invented "You" at a recording's end is timed over the silence after the last real words, mostly silent
        spans = [(w.start, w.end) for w in segment.words] or [(segment.start, segment.end)]
        counts = [voiced(start, end) for start, end in spans]
        if sum(v for v, _ in counts) >= VOICED_SHARE * sum(n for _, n in counts):
            on_segment(segment)

    while position < total:
        if is_cancelled and is_cancelled():
            break
        end = min(position + chunk, total)
        if end < total:
            end = _cut_point(audio, position, end)
        samples = audio[position:end]
        start_s = position / TRANSCRIPTION_RATE
        if _rms(samples) >= SILENCE_RMS:
            chosen = dataclasses.replace(settings, language=language or None)
            info = transcribe(model, samples, chosen, offset_s=start_s, on_segment=keep, on_progress=on_progress,
                              is_cancelled=is_cancelled)
            if not language:
                language, probability = info.language, info.language_probability
        elif on_progress:
            on_progress(end / TRANSCRIPTION_RATE)
        position = end
    return RunInfo(language, probability, total / TRANSCRIPTION_RATE)
