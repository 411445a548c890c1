"""Playback through sounddevice (PortAudio): play, pause, seek, loop a range, volume, and a playback rate of
0.5×–2.0× with the pitch preserved (RubberBand, through pylibrb, stretches the audio in real time).

The audio callback runs on PortAudio's thread; the state it reads is guarded by one lock, and seeking only
moves the read position, so the next block already comes from the new place. The stream runs only while
playing: pausing or reaching the end stops it, so nothing is written to the device in between.
"""

from __future__ import annotations

import threading
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from supervisor_app.errors import SupervisorError

MIN_RATE, MAX_RATE = 0.5, 2.0
BLOCK = 512


class PlaybackUnavailableError(SupervisorError):
    """No sound output could be opened; the workspace still works for reading and scoring."""


def _stop_exception() -> Exception:
    import sounddevice

    return cast(Exception, sounddevice.CallbackStop())


class Player:
    def __init__(self, samples: npt.NDArray[np.int16], rate: int, device: int | str | None = None) -> None:
        self._samples = samples
        self._rate = rate
        self._lock = threading.Lock()
        self._position = 0
        self._playing = False
        self._volume = 1.0
        self._speed = 1.0
        self._loop: tuple[int, int] | None = None
        self._stretcher: Any = None
        self._stream: Any = None
        self._device = device

    # ------------------------------------------------------------------ output

    def open(self) -> None:
        """Open the output stream; PlaybackUnavailableError with the reason when there is no sound device."""
        if self._stream is not None:
            return
        try:
            import sounddevice
        except OSError as exc:  # PortAudio itself is missing
            raise PlaybackUnavailableError(f"Sound playback is not available: {exc}. Reading and scoring still work."
                                      ) from exc
        try:
            stream = sounddevice.OutputStream(samplerate=self._rate, channels=1, dtype="float32",
                                              blocksize=BLOCK, latency="low", device=self._device,
                                              callback=self._callback)
        except (sounddevice.PortAudioError, ValueError) as exc:
            raise PlaybackUnavailableError(
                "No sound output could be opened: this computer has no working audio device right now. Connect "
                "headphones or speakers (or enable the sound card), then open the review again; meanwhile the "
                f"workspace works for reading and scoring. (Technical detail: {exc}.)"
            ) from exc
        self._stream = stream

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    # ------------------------------------------------------------------ controls

    @property
    def duration_s(self) -> float:
        return len(self._samples) / self._rate

    @property
    def position_s(self) -> float:
        return self._position / self._rate

    @property
    def playing(self) -> bool:
        return self._playing and self._stream is not None and self._stream.active

    @property
    def speed(self) -> float:
        return self._speed

    def play(self) -> None:
        self.open()
        with self._lock:
            if self._position >= len(self._samples):
                self._position = self._loop[0] if self._loop else 0
            self._playing = True
        if not self._stream.active:
            if self._stream.stopped is False:  # it stopped itself at the end: stop() before it can start again
                self._stream.stop()
            self._stream.start()

    def pause(self) -> None:
        with self._lock:
            self._playing = False
        if self._stream is not None and self._stream.active:
            self._stream.stop()

    def toggle(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def seek(self, seconds: float) -> None:
        with self._lock:
            self._position = int(min(max(seconds, 0.0), self.duration_s) * self._rate)
            if self._stretcher is not None:
                self._stretcher.reset()

    def set_volume(self, volume: float) -> None:
        with self._lock:
            self._volume = min(max(volume, 0.0), 1.0)

    def set_speed(self, speed: float) -> None:
        """Playback rate, pitch preserved."""
        if not MIN_RATE <= speed <= MAX_RATE:
            raise ValueError(f"Playback rate must be between {MIN_RATE}× and {MAX_RATE}×.")
        with self._lock:
            self._speed = speed
            if speed == 1.0:
                self._stretcher = None
            else:
                if self._stretcher is None:
                    import pylibrb

                    self._stretcher = pylibrb.RubberBandStretcher(
                        sample_rate=self._rate, channels=1,
                        options=pylibrb.Option.PROCESS_REALTIME | pylibrb.Option.ENGINE_FINER)
                self._stretcher.time_ratio = 1.0 / speed

    def set_loop(self, start_s: float, end_s: float) -> None:
        with self._lock:
            start, end = int(start_s * self._rate), int(end_s * self._rate)
            self._loop = (start, end) if end > start else None
            if self._loop is not None and not start <= self._position < end:
                self._position = start

    def clear_loop(self) -> None:
        with self._lock:
            self._loop = None

    # ------------------------------------------------------------------ audio thread

    def _read(self, count: int) -> npt.NDArray[np.float32]:
        """The next `count` input samples from the read position, honouring the loop and the end."""
        end = self._loop[1] if self._loop else len(self._samples)
        chunk = np.asarray(self._samples[self._position:min(self._position + count, end)], dtype=np.float32)
        self._position += len(chunk)
        if self._loop and self._position >= end:
            self._position = self._loop[0]
        return chunk / 32768.0

    def _callback(self, outdata: npt.NDArray[np.float32], frames: int, _time: object, _status: object) -> None:
        with self._lock:
            if not self._playing:
                outdata.fill(0)
                raise _stop_exception()
            block = self._read(frames) if self._stretcher is None else self._stretched(frames)
            outdata[:len(block), 0] = block * self._volume
            outdata[len(block):, 0] = 0
            if len(block) < frames and self._loop is None:
                self._playing = False  # the end of the recording: this block still plays, then the stream stops
                raise _stop_exception()

    def _stretched(self, frames: int) -> npt.NDArray[np.float32]:
        stretcher = self._stretcher
        while stretcher.available() < frames:
            needed = max(stretcher.get_samples_required(), BLOCK)
            chunk = self._read(needed)
            if len(chunk) == 0:
                stretcher.process(np.zeros((1, 0), dtype=np.float32), final=True)
                break
            stretcher.process(chunk.reshape(1, -1), final=False)
        available = min(stretcher.available(), frames)
        if available <= 0:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(stretcher.retrieve(available)[0], dtype=np.float32)
