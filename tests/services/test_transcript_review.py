"""Machine-made transcripts count only once a person confirms them; every AI run is in the audit trail."""

from __future__ import annotations

import json

import pytest

from supervisor_app.core.transcripts import ExportFormat
from supervisor_app.errors import ConflictError, NotFoundError, PermissionDeniedError
from supervisor_app.media.transcribe import TranscriptionSettings
from supervisor_app.paths import AppPaths
from supervisor_app.services import audit, transcription, transcripts
from supervisor_app.store.db import Database
from tests.conftest import login


def test_a_transcript_is_machine_made_until_a_person_confirms_it(transcribed: tuple[Database, AppPaths]) -> None:
    db, _paths = transcribed
    maria, admin = login(db, "maria"), login(db, "admin")
    view = transcripts.get_transcript(db, maria, 1)
    assert view.review_state == transcripts.MACHINE_MADE
    assert json.loads(transcripts.export(db, maria, 1, ExportFormat.JSON))["review"] == transcripts.MACHINE_MADE
    runs = [e for e in audit.list_events(db, admin) if e.action == "transcription.run" and e.entity_id == "1"]
    assert runs
    assert runs[0].details["model_sha256"] == view.model_sha256
    with pytest.raises(PermissionDeniedError):
        transcripts.confirm(db, login(db, "aisha"), 1)
    confirmed = transcripts.confirm(db, maria, 1)
    assert confirmed.confirmed_by == maria.display_name
    assert confirmed.review_state.startswith(f"reviewed by {maria.display_name} on ")
    assert json.loads(transcripts.export(db, maria, 1, ExportFormat.JSON))["review"] == confirmed.review_state
    assert audit.list_events(db, admin)[0].action == "transcript.confirm"
    with pytest.raises(ConflictError, match="already confirmed"):
        transcripts.confirm(db, maria, 1)
    # transcribed again: machine-made again (the confirmed transcript is replaced)
    transcription.enqueue(db, maria, [1], TranscriptionSettings(), replace=True)
    with pytest.raises(NotFoundError, match="no transcript yet"):
        transcripts.confirm(db, maria, 1)
    assert audit.verify_chain(db, admin) == []
