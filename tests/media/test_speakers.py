from __future__ import annotations

import numpy as np

from supervisor_app.media.speakers import COACH, COACHEE, suggest_speakers
from tests.audio_decode import decode_mono
from tests.conftest import AUDIO

# Lines of the dialogue fixture (start, end) as the bundled model finds them; coach and coachee alternate.
SPANS = [(0.14, 5.38), (6.12, 11.94), (12.8, 16.34), (17.12, 21.52), (22.44, 24.1), (24.74, 29.24), (30.27, 31.7)]


def test_two_voices_are_told_apart_and_the_first_is_the_coach() -> None:
    audio = decode_mono(AUDIO / "dialogue.flac")
    assert suggest_speakers(audio, SPANS) == [COACH, COACHEE] * 3 + [COACH]


def test_a_single_segment_is_the_coach() -> None:
    assert suggest_speakers(np.zeros(16_000, dtype=np.float32), [(0.0, 1.0)]) == [COACH]
    assert suggest_speakers(np.zeros(0, dtype=np.float32), []) == []
