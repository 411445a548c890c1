"""Playback for real: sounddevice → PortAudio → ALSA, into a file sink (QUALITY.md), in a child process whose HOME
holds the .asoundrc, so what was played can be read back and compared with the recording."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from supervisor_app.media.decoded import PEAK_BLOCK, compute_peaks, decode_to_cache
from supervisor_app.media.player import MAX_RATE, MIN_RATE, Player
from tests.conftest import AUDIO, REPO_ROOT

PLAY = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from supervisor_app.media.decoded import decode_to_cache
    from supervisor_app.media.player import Player
    cache, seek, speed, seconds = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    decoded = decode_to_cache(Path(sys.argv[5]), cache, "dialogue", 33.2)
    player = Player(decoded.samples, decoded.rate)
    player.open()
    player.seek(seek)
    if speed != 1.0:
        player.set_speed(speed)
    player.play()
    if seconds < 0:  # to the end, however long the machine takes (the file sink is not paced like a card)
        deadline = time.monotonic() + 50
        while player.playing and time.monotonic() < deadline:
            time.sleep(0.01)
    else:
        time.sleep(seconds)
    player.pause()
    print(round(player.position_s, 3), flush=True)
    player.close()
""")


def median_log_pitch(clip: npt.NDArray[np.float64], rate: int) -> float:
    """Median log fundamental frequency over voiced 40 ms frames (autocorrelation peak, 60–400 Hz).

    The autocorrelation of every frame comes from one FFT over all frames at once.
    """
    size, low, high = int(0.04 * rate), rate // 400, rate // 60
    if len(clip) < size:
        return 0.0
    frames = np.lib.stride_tricks.sliding_window_view(clip, size)[:: size // 2]
    frames = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(frames, n=2 * size, axis=1)
    correlation = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :size]
    energy = correlation[:, 0]
    lags = low + np.argmax(correlation[:, low:high], axis=1)
    peaks = correlation[np.arange(len(lags)), lags]
    voiced = (energy > 0) & (peaks > 0.5 * np.where(energy > 0, energy, 1))
    if not voiced.any():
        return 0.0
    return float(np.median(np.log(rate / lags[voiced])))



def play_into_sink(tmp_path: Path, seek: float, speed: float = 1.0, seconds: float = 0.05
                   ) -> tuple[np.ndarray, float]:
    """What reached the sink, and where the player's read position was when it paused."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    sink = home / "played.raw"
    sink.unlink(missing_ok=True)
    (home / ".asoundrc").write_text(
        f'pcm.!default {{ type file; slave.pcm "null"; file "{sink}"; format "raw" }}\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", PLAY, str(tmp_path / "cache"), str(seek), str(speed),
                             str(seconds), str(AUDIO / "dialogue.flac")], check=True, cwd=REPO_ROOT,
                            env={**os.environ, "HOME": str(home)}, capture_output=True, text=True, timeout=60)
    return np.fromfile(sink, dtype=np.float32), float(result.stdout.strip())


def test_samples_played_after_a_seek_are_the_recordings_from_there(tmp_path: Path) -> None:
    played, _position = play_into_sink(tmp_path, seek=12.8)
    decoded = decode_to_cache(AUDIO / "dialogue.flac", tmp_path / "cache", "dialogue", 33.2)
    expected = np.asarray(decoded.samples[int(12.8 * 16_000):], dtype=np.float32) / 32768.0
    sounding = np.flatnonzero(played)
    assert len(sounding) > 16_000  # at least a second of sound reached the sink
    start = sounding[0]
    offset = np.flatnonzero(expected)[0]  # the recording is silent (exactly 0) until the next word
    np.testing.assert_array_equal(played[start:start + 16_000], expected[offset:offset + 16_000])


def test_half_speed_keeps_the_pitch_and_doubles_the_length(tmp_path: Path) -> None:
    decoded = decode_to_cache(AUDIO / "dialogue.flac", tmp_path / "cache", "dialogue", 33.2)
    played, position = play_into_sink(tmp_path, seek=0.0, speed=MIN_RATE, seconds=-1)  # to the end
    consumed = int(position * 16_000)
    output = played[np.flatnonzero(played)[0]:]
    assert len(output) / consumed == pytest.approx(1 / MIN_RATE, rel=0.15)  # twice as many samples out as in
    source = np.asarray(decoded.samples[:consumed], dtype=np.float64) / 32768.0
    heard = output[: 2 * consumed].astype(np.float64)
    pitch_in = np.exp(median_log_pitch(source, 16_000))
    pitch_out = np.exp(median_log_pitch(heard, 16_000))
    assert pitch_out == pytest.approx(pitch_in, rel=0.1)  # a plain resample would halve it


def test_rate_limits_and_loop() -> None:
    samples = (np.arange(16_000 * 4) % 1000).astype(np.int16)
    player = Player(samples, 16_000)
    with pytest.raises(ValueError, match="between"):
        player.set_speed(MAX_RATE + 0.5)
    player.set_loop(1.0, 1.5)
    assert player.position_s == 1.0
    out = np.zeros((4000, 1), dtype=np.float32)
    player._playing = True
    player._callback(out, 4000, None, None)  # 4000 samples from a 8000-sample loop: stays inside it
    assert 1.0 <= player.position_s < 1.5
    player.seek(99)
    assert player.position_s == pytest.approx(4.0)


def test_peaks_of_the_cache(tmp_path: Path) -> None:
    decoded = decode_to_cache(AUDIO / "dialogue.flac", tmp_path / "cache", "dialogue", 33.2)
    assert decoded.peaks.shape == (-(-len(decoded.samples) // PEAK_BLOCK), 2)
    block = np.asarray(decoded.samples[PEAK_BLOCK * 100:PEAK_BLOCK * 101])
    assert tuple(decoded.peaks[100]) == (block.min(), block.max())
    assert compute_peaks(np.zeros(10, dtype=np.int16)).shape == (1, 2)
    again = decode_to_cache(AUDIO / "dialogue.flac", tmp_path / "cache", "dialogue", 33.2)
    assert isinstance(again.samples, np.memmap)


def test_no_sound_device_is_explained(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import numpy as np
        from supervisor_app.media.player import Player, PlaybackUnavailableError
        try:
            Player(np.zeros(16000, dtype=np.int16), 16000).play()
        except PlaybackUnavailableError as exc:
            print(exc)
    """)
    empty_home = tmp_path / "no-sound"
    empty_home.mkdir()
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                            env={**os.environ, "HOME": str(empty_home)}, check=True, timeout=60)
    assert "No sound output could be opened" in result.stdout
    assert "reading and scoring" in result.stdout
