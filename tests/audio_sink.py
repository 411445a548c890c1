"""Sound without a sound card (QUALITY.md).

PortAudio's ALSA backend reads ~/.asoundrc once, when sounddevice is first imported: importing this module first
(conftest does) makes every test in the process play into AUDIO_SINK, a raw float32 file that tests read back.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

AUDIO_HOME = Path(tempfile.mkdtemp(prefix="cs-audio-"))
AUDIO_SINK = AUDIO_HOME / "played.raw"
(AUDIO_HOME / ".asoundrc").write_text(
    f'pcm.!default {{ type file; slave.pcm "null"; file "{AUDIO_SINK}"; format "raw" }}\n', encoding="utf-8")
_real_home = os.environ.get("HOME", "")
os.environ["HOME"] = str(AUDIO_HOME)
try:
    import sounddevice  # noqa: F401
finally:
    os.environ["HOME"] = _real_home
atexit.register(shutil.rmtree, AUDIO_HOME, ignore_errors=True)
