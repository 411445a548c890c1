"""Review workspace: playback, waveform, transcript, rubric scoring with timestamped evidence."""
