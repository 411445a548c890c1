"""Audio and speech: decoding and probing (PyAV), the bundled Whisper model, transcription (faster-whisper)."""
