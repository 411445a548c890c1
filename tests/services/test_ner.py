"""The optional language-model detector (the `redaction` extra): verified before use, offline, stored as
suggestions by the redaction pass, and measured on the labelled utterances."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from supervisor_app.core.redaction import Kind
from supervisor_app.errors import ConfigurationError
from supervisor_app.paths import AppPaths
from supervisor_app.services import ner, redaction
from supervisor_app.store.db import Database
from tests.conftest import login
from tests.core.redaction_quality import measure
from tests.scripted import scripted_transcript


def test_the_model_is_checked_against_its_pinned_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "model"
    shutil.copytree(ner.model_folder(), copy)
    monkeypatch.setattr(ner, "model_folder", lambda: copy)
    assert ner.model_manifest(copy) == ner.MODEL_MANIFEST_SHA256
    meta = copy / "meta.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"ner"', '"ner "', 1), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="does not match its pinned SHA-256"):
        ner.engine()


def test_it_runs_without_a_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("the NER detector tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    detect = ner.engine()
    found = {(text[s.start:s.end], s.kind) for text in ["My colleague Rebecca met the Umbrella Corp people in "
                                                        "Manchester."] for s in detect(text)}
    assert found == {("Rebecca", Kind.NAME), ("Umbrella Corp", Kind.ORG), ("Manchester", Kind.PLACE)}


def test_the_redaction_pass_stores_what_it_finds(demo_db: Database, paths: AppPaths) -> None:
    maria = login(demo_db, "maria")
    recording = scripted_transcript(demo_db, paths, (("Coachee", "My colleague Rebecca thinks I'm too cautious."),))
    redaction.suggest(demo_db, maria, recording)
    assert [(v.raw, v.kind, v.source) for v in redaction.list_for(demo_db, maria, recording)] == [
        ("Rebecca", Kind.NAME, "language model")]


def test_with_the_language_model_recall_rises_at_some_cost_in_precision() -> None:
    rules, with_ner = measure(), measure(ner=ner.engine())

    def overall(scores: object, attribute: str) -> float:
        tp, fp, fn = (sum(getattr(scores, name).values())
                      for name in ("true_positive", "false_positive", "false_negative"))
        return tp / (tp + fp) if attribute == "precision" else tp / (tp + fn)

    assert overall(with_ner, "recall") >= 0.9 > overall(rules, "recall")
    assert overall(with_ner, "precision") >= 0.85
    for kind in (Kind.EMAIL, Kind.PHONE, Kind.URL, Kind.NUMBER):  # the patterns keep their figures
        assert with_ner.recall(kind) == rules.recall(kind) == 1.0
