from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from supervisor_app.errors import (
    ConflictError,
    DocumentInvalidError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from supervisor_app.services import rubrics
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database
from supervisor_app.store.models import RubricVersion
from tests.conftest import DATA, REPO_ROOT, login

DEFAULT_FILE = REPO_ROOT / "resources" / "rubrics" / "grow-icf-core-1.0.json"


def stored(db: Database) -> list[tuple[str, str, str]]:
    with db.transaction() as session:
        return [(r.rubric_key, r.version, r.content_sha256) for r in session.scalars(select(RubricVersion))]


def test_import_new_version(db: Database, admin: Actor) -> None:
    result = rubrics.import_rubric(db, admin, DATA / "rubrics" / "valid_v1_1.json")
    assert result.created
    assert "Imported grow-icf-core version 1.1" in result.message
    assert [(s.rubric_key, s.version) for s in rubrics.list_rubrics(db, admin)] == [
        ("grow-icf-core", "1.0"), ("grow-icf-core", "1.1")]
    newest = rubrics.find_rubric_version(db, admin, "grow-icf-core")
    assert newest.version == "1.1"
    assert rubrics.get_rubric(db, admin, newest.id).competency("establishes_agreement").anchors[3].startswith(
        "Topic and outcome agreed early")


def test_reimporting_the_same_content_is_a_no_op(db: Database, admin: Actor, tmp_path: Path) -> None:
    reformatted = tmp_path / "same.json"
    reformatted.write_text(json.dumps(json.loads(DEFAULT_FILE.read_text("utf-8")), indent=8), encoding="utf-8")
    before = stored(db)
    result = rubrics.import_rubric(db, admin, reformatted)
    assert not result.created
    assert "nothing changed" in result.message
    assert stored(db) == before


def test_a_stored_version_is_never_changed_in_place(db: Database, admin: Actor, tmp_path: Path) -> None:
    document = json.loads(DEFAULT_FILE.read_text("utf-8"))
    document["competencies"][0]["title"] = "Sneaky edit"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document), encoding="utf-8")
    before = stored(db)
    with pytest.raises(ConflictError, match=r"new version number \(e\.g\. 1\.1\)"):
        rubrics.import_rubric(db, admin, changed)
    assert stored(db) == before


@pytest.mark.parametrize("name", ["wrong_types.json", "missing_anchor.json", "duplicate_ids.json",
                                  "broken_gates.json", "not_json.json", "empty.json", "latin1.json"])
def test_invalid_files_change_nothing(db: Database, admin: Actor, name: str) -> None:
    before = stored(db)
    with pytest.raises(DocumentInvalidError) as caught:
        rubrics.import_rubric(db, admin, DATA / "rubrics" / name)
    assert caught.value.issues
    assert all(issue.path.startswith("$") for issue in caught.value.issues)
    assert name in str(caught.value)
    assert stored(db) == before


def test_missing_file_and_folder(db: Database, admin: Actor, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no file"):
        rubrics.import_rubric(db, admin, tmp_path / "nope.json")
    with pytest.raises(ValidationError, match="is a folder"):
        rubrics.import_rubric(db, admin, tmp_path)


def test_roles(demo_db: Database, tmp_path: Path) -> None:
    copy = tmp_path / "v11.json"
    shutil.copy(DATA / "rubrics" / "valid_v1_1.json", copy)
    for name in ("aisha", "helen"):
        actor = login(demo_db, name)
        assert rubrics.list_rubrics(demo_db, actor)
        with pytest.raises(PermissionDeniedError):
            rubrics.import_rubric(demo_db, actor, copy)
    assert rubrics.import_rubric(demo_db, login(demo_db, "maria"), copy).created


def test_find_unknown_rubric(db: Database, admin: Actor) -> None:
    with pytest.raises(NotFoundError, match=r"grow-icf-core@1\.0"):
        rubrics.find_rubric_version(db, admin, "other@2")
