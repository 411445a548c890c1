"""Library screens: recordings, imports, transcription jobs, transcripts."""
