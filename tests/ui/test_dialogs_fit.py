"""Issue 16: every dialog opens within a 1100×700 screen (nothing placed off it, nothing to scroll the window
for) and is saved as a screenshot over the full demo, at its opening size and on a 1600×1000 screen's share."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from supervisor_app.core.reviews import Evidence
from supervisor_app.paths import AppPaths
from supervisor_app.services import accounts, audits, library, reviews
from supervisor_app.services.export import ExportScope
from supervisor_app.store.db import Database
from supervisor_app.ui.admin.user_dialog import UserDialog
from supervisor_app.ui.audits.audits_page import ExportDialog
from supervisor_app.ui.calibration.new_round_dialog import NewRoundDialog
from supervisor_app.ui.coaches.coach_dialog import CoachDialog
from supervisor_app.ui.library.consent_dialog import ConsentDialog
from supervisor_app.ui.library.edit_history_dialog import EditHistoryDialog
from supervisor_app.ui.library.find_speakers_dialog import FindSpeakersDialog
from supervisor_app.ui.library.recording_dialog import RecordingDialog
from supervisor_app.ui.library.speakers_dialog import SpeakersDialog
from supervisor_app.ui.library.subject_dialog import SubjectDialog
from supervisor_app.ui.library.transcription_settings_dialog import TranscriptionSettingsDialog
from supervisor_app.ui.program.assign_dialog import AssignDialog
from supervisor_app.ui.program.close_dialog import CloseCycleDialog
from supervisor_app.ui.program.cycle_dialog import CycleDialog
from supervisor_app.ui.program.proposal_dialog import ProposalDialog
from supervisor_app.ui.program.reassign_dialog import ReassignDialog
from supervisor_app.ui.review.evidence_dialog import EvidenceDialog
from supervisor_app.ui.review.feedback_dialog import FeedbackDialog
from supervisor_app.ui.review.practice_dialogs import ChooseGoldDialog
from supervisor_app.ui.shell.about_dialog import AboutDialog
from supervisor_app.ui.shell.login_dialog import LoginDialog
from supervisor_app.ui.shell.shortcuts_dialog import ShortcutsDialog
from tests.ui.conftest import make_context, screenshot

SMALL = (1100, 700)


def test_every_dialog_fits_a_small_screen(qtbot: QtBot, round_db: Database, paths: AppPaths) -> None:
    admin, maria = make_context(round_db, paths, "admin"), make_context(round_db, paths, "maria")
    recording = library.get_recording(round_db, admin.actor, 1)
    [audit_review] = [r for r in reviews.list_reviews(round_db, admin.actor) if r.rater == "Priya Shah"]
    quarter = audits.get_cycle(round_db, maria.actor, "2026-Q4")
    assignment = audits.list_assignments(round_db, maria.actor, "2026-Q4")[0]
    users = accounts.list_users(round_db, admin.actor)
    builders: dict[str, Callable[[], QDialog]] = {
        "user": lambda: UserDialog(admin, users[0]),
        "transcription-settings": lambda: TranscriptionSettingsDialog(admin.settings),
        "consent": lambda: ConsentDialog(admin, recording),
        "recording": lambda: RecordingDialog(admin, recording),
        "subject-request": lambda: SubjectDialog(admin, recording),
        "edit-history": lambda: EditHistoryDialog([]),
        "speakers": lambda: SpeakersDialog(admin, 1, []),
        "find-speakers": lambda: FindSpeakersDialog(admin, 1, True),
        "practise": lambda: ChooseGoldDialog(maria),
        "feedback": lambda: FeedbackDialog(admin, reviews.get_review(round_db, admin.actor, audit_review.id)),
        "evidence": lambda: EvidenceDialog(Evidence("active_listening", 1.0, 4.0, "What would you like?",
                                                    "asked open question"), 30.0),
        "about": lambda: AboutDialog(round_db),
        "shortcuts": ShortcutsDialog,
        "sign-in": lambda: LoginDialog(round_db),
        "close-cycle": lambda: CloseCycleDialog(maria, quarter),
        "proposal": lambda: ProposalDialog(maria, "2026-Q4"),
        "new-cycle": lambda: CycleDialog(maria),
        "assign": lambda: AssignDialog(maria, recording),
        "reassign": lambda: ReassignDialog(maria, assignment),
        "export": lambda: ExportDialog(admin, ExportScope(round_id=1), "Calibration round 1"),
        "coach": lambda: CoachDialog(admin),
        "new-round": lambda: NewRoundDialog(maria),
    }
    too_big = []
    for name, build in builders.items():
        dialog = build()
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        size, smallest = dialog.size(), dialog.minimumSizeHint()
        if size.width() > SMALL[0] or size.height() > SMALL[1] or smallest.width() > SMALL[0] \
                or smallest.height() > SMALL[1]:
            too_big.append((name, size.toTuple(), smallest.toTuple()))
        screenshot(dialog, f"dialog-{name}")
        dialog.close()
    assert not too_big


@pytest.mark.parametrize("size", [(1100, 700), (1600, 1000)], ids=["1100x700", "1600x1000"])
def test_the_big_dialogs_at_both_screen_sizes(qtbot: QtBot, round_db: Database, paths: AppPaths,
                                              size: tuple[int, int]) -> None:
    """The dialogs that hold lists open at most 90 % of the screen and still show their content at 1100×700."""
    maria = make_context(round_db, paths, "maria")
    for name, dialog in (("new-round", NewRoundDialog(maria)), ("proposal", ProposalDialog(maria, "2026-Q4")),
                         ("shortcuts", ShortcutsDialog())):
        qtbot.addWidget(dialog)
        dialog.resize(min(dialog.width(), int(size[0] * 0.9)), min(dialog.height(), int(size[1] * 0.9)))
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.width() <= size[0] * 0.9
        assert dialog.height() <= size[1] * 0.9
        screenshot(dialog, f"dialog-{name}-{size[0]}x{size[1]}")
        dialog.close()
