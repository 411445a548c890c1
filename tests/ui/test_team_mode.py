"""The window on a team server: a recording fetched on open, other laptops' changes appearing live, a draft
conflict resolved by the rater, and a server that goes away while the rater types."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from supervisor_app.core.reviews import CompetencyScore, ReviewContent
from supervisor_app.services import journal, library, reviews
from supervisor_app.settings import Settings
from supervisor_app.ui.review import review_workspace as workspace_module
from supervisor_app.ui.review.review_workspace import ReviewWorkspace
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.shell.main_window import MainWindow
from tests.conftest import AUDIO
from tests.postgres_server import private_server
from tests.team import Team, imported_in_round, make_team
from tests.ui.conftest import screenshot


def _workspace(qtbot: QtBot, team: Team, review_id: int, laptop: str) -> ReviewWorkspace:
    db, actor, paths = team.open("r1", laptop)
    workspace = ReviewWorkspace(AppContext(db, paths, Settings(paths.settings_file), actor), review_id)
    qtbot.addWidget(workspace)
    workspace.resize(1280, 800)
    workspace.show()
    qtbot.waitUntil(lambda: workspace.decoded is not None, timeout=20_000)
    return workspace


def test_a_rater_opens_a_recording_this_laptop_never_had_and_resolves_a_conflict(
        qtbot: QtBot, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    _recording, review_id = imported_in_round(team, AUDIO / "dialogue.flac")
    workspace = _workspace(qtbot, team, review_id, "r1-laptop")
    paths = workspace._context.paths
    assert list(paths.recordings_dir.rglob("*.flac"))  # fetched from the server into this laptop's cache
    assert not workspace.banner.isVisible()
    # meanwhile the same rater saves the draft on another computer
    other_db, r1, _ = team.open("r1", "r1-desktop")
    stored = reviews.get_review(other_db, r1, review_id)
    reviews.save_draft(other_db, r1, review_id, ReviewContent(
        {"active_listening": CompetencyScore("active_listening", score=2)}), base_revision=stored.revision)
    asked: list[str] = []
    monkeypatch.setattr(workspace_module, "confirm", lambda _p, _t, text, _a: asked.append(text) or False)
    workspace.rubric_panel.competency_list.setCurrentRow(0)
    workspace.rubric_panel.choose(5)
    qtbot.waitUntil(lambda: bool(asked), timeout=3_000)
    assert "saved elsewhere" in asked[0]
    assert "kept in" in asked[0]
    # the rater chose the stored draft: shown; their own version is in this laptop's journal
    assert workspace.content.scores["active_listening"].score == 2
    assert workspace.save_label.text() == "Loaded the stored draft"
    [entry] = journal.Journal(paths).entries(workspace._context.actor, journal.CONFLICT)
    kept, _ = journal.Journal(paths).content(entry)
    assert next(iter(kept.scores.values())).score == 5
    screenshot(workspace, "team-workspace-fetched")


def test_another_laptops_import_appears_in_the_library_within_two_seconds(qtbot: QtBot, team: Team) -> None:
    db, sup, paths = team.open("sup", "window-laptop")
    window = MainWindow(AppContext(db, paths, Settings(paths.settings_file), sup))
    qtbot.addWidget(window)
    window.show()
    window.show_area("library")
    library_page = window.pages["library"]
    before = library_page.model.rowCount()  # type: ignore[attr-defined]
    other_db, other_sup, other_paths = team.open("sup", "other-laptop")
    library.import_recording(other_db, other_sup, other_paths, AUDIO / "short.ogg", library.RecordingInput(1))
    qtbot.waitUntil(lambda: library_page.model.rowCount() == before + 1, timeout=2_000)  # type: ignore[attr-defined]
    window.close()


def test_the_server_goes_away_while_the_rater_types_and_nothing_is_lost(qtbot: QtBot, tmp_path: Path) -> None:
    with private_server() as server:
        team = next(iter(make_team(str(server.sockets), tmp_path / "laptops")))
        _recording, review_id = imported_in_round(team, AUDIO / "dialogue.flac")
        workspace = _workspace(qtbot, team, review_id, "r1-laptop")
        window_db, sup, window_paths = team.open("sup", "lead-laptop")
        window = MainWindow(AppContext(window_db, window_paths, Settings(window_paths.settings_file), sup))
        qtbot.addWidget(window)
        window.show()
        server.stop()
        workspace.rubric_panel.competency_list.setCurrentRow(0)
        workspace.rubric_panel.choose(4)
        qtbot.waitUntil(lambda: workspace.save_label.text() == "Kept on this laptop", timeout=8_000)
        assert workspace.banner.isVisible()
        assert "kept on this laptop" in workspace.banner.text()
        qtbot.waitUntil(window.server_banner.isVisible, timeout=3_000)
        screenshot(window, "team-server-away")
        server.start()
        workspace.retry_journal()
        assert workspace.save_label.text().startswith("Saved")
        assert not workspace.banner.isVisible()
        qtbot.waitUntil(lambda: not window.server_banner.isVisible(), timeout=3_000)
        first = workspace.detail.rubric.competencies[0].id
        stored = reviews.get_review(*team.open("r1", "check")[:2], review_id)
        assert stored.content.scores[first].score == 4
        window.close()
        workspace.close()
        team.close()


def test_an_administrator_adds_a_user_with_their_own_server_login(qtbot: QtBot, team: Team) -> None:
    from supervisor_app.ui.admin.user_dialog import UserDialog

    db, admin, paths = team.open("admin", "admin-laptop")
    dialog = UserDialog(AppContext(db, paths, Settings(paths.settings_file), admin))
    qtbot.addWidget(dialog)
    assert dialog.on_server
    dialog.username_edit.setText("nia")
    dialog.display_name_edit.setText("Nia Rater")
    dialog.login_edit.setText(team.login("nia"))
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findText("Rater"))
    dialog.password_edit.setText("team-secret-1")
    dialog.repeat_edit.setText("team-secret-1")
    dialog.on_buttons_accepted()
    assert dialog.result() == dialog.DialogCode.Accepted
    with team.psql("nia") as connection:  # the login exists, with that password, and is a rater
        assert connection.execute("SELECT cs_role()").fetchone() == ("rater",)


def test_the_first_run_on_an_empty_server_is_server_init(qtbot: QtBot, postgres_url: str, tmp_path: Path) -> None:
    import uuid

    from supervisor_app.paths import AppPaths
    from supervisor_app.services import system
    from supervisor_app.ui.shell.first_run_dialog import FirstRunDialog
    from tests.postgres_server import login_url

    paths = AppPaths(tmp_path / "owner-laptop")
    owner = system.open_database(paths, postgres_url).database
    dialog = FirstRunDialog(owner, paths)
    qtbot.addWidget(dialog)
    name = f"a{uuid.uuid4().hex[:10]}"
    dialog.username_edit.setText(name)
    dialog.display_name_edit.setText("Ada Lead")
    dialog.password_edit.setText("first-admin-pw")
    dialog.repeat_edit.setText("first-admin-pw")
    dialog.on_create_button_clicked()
    assert dialog.actor is not None
    owner.dispose()
    own = system.open_database(AppPaths(tmp_path / "ada"), login_url(postgres_url, name, "first-admin-pw")).database
    from supervisor_app.services import accounts

    signed_in = accounts.server_sign_in(own)
    assert signed_in is not None
    assert signed_in.username == name
    own.dispose()
