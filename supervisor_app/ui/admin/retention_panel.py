"""Retention in the Administration page: the policy, the preview of what is due and why (held items and backups
that still hold purged data included), the purge with its confirmation, and legal holds."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from supervisor_app.core.retention import WINDOW_MAX_DAYS, WINDOW_MIN_DAYS, HoldTarget, Policy
from supervisor_app.errors import SupervisorError
from supervisor_app.services import retention
from supervisor_app.services.retention import DueItem, HoldView
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.widgets.filtered_table import FilteredTable
from supervisor_app.ui.widgets.labels import ErrorLabel
from supervisor_app.ui.widgets.messages import confirm
from supervisor_app.ui.widgets.row_table_model import Column, RowTableModel

POLICY_FIELDS = (("recordings_days", "Recordings and caches", "after the last review or the close of its cycle/round"),
                 ("transcripts_days", "Transcripts", "the same"),
                 ("drafts_days", "Drafts never submitted", "after the last change"),
                 ("reviews_days", "Submitted reviews' text", "after submission; scores are kept"))


class RetentionPanel(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        policy_box = QGroupBox("Policy (days kept; the audit trail is always kept)")
        policy_form = QFormLayout(policy_box)
        self.window_spins: dict[str, QSpinBox] = {}
        for name, label, counted in POLICY_FIELDS:
            spin = QSpinBox()
            spin.setRange(WINDOW_MIN_DAYS, WINDOW_MAX_DAYS)
            spin.setSuffix(" days")
            spin.setToolTip(f"Counted {counted}")
            self.window_spins[name] = spin
            policy_form.addRow(label, spin)
        self.save_policy_button = QPushButton("Save policy")
        policy_form.addRow("", self.save_policy_button)

        holds_box = QGroupBox("Legal holds (nothing they cover is purged)")
        self.holds_model: RowTableModel[HoldView] = RowTableModel([
            Column("Hold", lambda h: str(h.id)),
            Column("On", lambda h: f"{h.target.value} {h.entity_id}"),
            Column("Reason", lambda h: h.reason),
            Column("Placed", lambda h: f"{h.placed_at.astimezone():%Y-%m-%d}"),
        ], row_id=lambda h: h.id)
        self.holds_table = FilteredTable(self.holds_model)
        self.hold_target = QComboBox()
        for target in HoldTarget:
            self.hold_target.addItem(target.value, target)
        self.hold_id = QSpinBox()
        self.hold_id.setRange(1, 2_000_000_000)
        self.hold_id.setPrefix("id ")
        self.hold_reason = QLineEdit()
        self.hold_reason.setPlaceholderText("Case or request reference (kept in the audit trail)")
        self.place_hold_button = QPushButton("Place hold")
        self.release_hold_button = QPushButton("Release selected…")
        hold_bar = QHBoxLayout()
        for widget in (self.hold_target, self.hold_id):
            hold_bar.addWidget(widget)
        hold_bar.addWidget(self.hold_reason, 1)
        hold_bar.addWidget(self.place_hold_button)
        holds_layout = QVBoxLayout(holds_box)
        holds_layout.addWidget(self.holds_table, 1)
        holds_layout.addLayout(hold_bar)
        holds_layout.addWidget(self.release_hold_button, 0, Qt.AlignmentFlag.AlignRight)

        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.due_model: RowTableModel[DueItem] = RowTableModel([
            Column("What", lambda d: d.data_class.label),
            Column("Item", lambda d: d.description),
            Column("Why", lambda d: d.why),
        ], row_id=lambda d: hash((d.data_class, d.entity_id)), muted=lambda d: bool(d.held_by))
        self.due_table = FilteredTable(self.due_model)
        self.backups_label = QLabel()
        self.backups_label.setWordWrap(True)
        self.refresh_button = QPushButton("Preview again")
        self.purge_button = QPushButton("Purge what is due…")
        self.purge_button.setObjectName("dangerButton")
        purge_bar = QHBoxLayout()
        purge_bar.addWidget(self.refresh_button)
        purge_bar.addStretch(1)
        purge_bar.addWidget(self.purge_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.summary_label)
        right_layout.addWidget(self.due_table, 1)
        right_layout.addWidget(self.backups_label)
        right_layout.addLayout(purge_bar)

        settings = QWidget()
        settings_layout = QHBoxLayout(settings)
        settings_layout.setContentsMargins(0, 0, 0, 0)
        settings_layout.addWidget(policy_box)
        settings_layout.addWidget(holds_box, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(right)
        splitter.addWidget(settings)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.error_label = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.error_label)

        self.save_policy_button.clicked.connect(self.save_policy)
        self.place_hold_button.clicked.connect(self.place_hold)
        self.release_hold_button.clicked.connect(self.release_hold)
        self.refresh_button.clicked.connect(self.refresh)
        self.purge_button.clicked.connect(self.purge)
        self.refresh()

    def refresh(self) -> None:
        db, actor = self._context.database, self._context.actor
        policy = retention.get_policy(db)
        for name, spin in self.window_spins.items():
            spin.setValue(policy.as_json()[name])
        self.holds_model.set_rows(retention.list_holds(db, actor, active_only=True))
        self.holds_table.fit_columns()
        preview = retention.preview(db, actor, self._context.paths)
        self.due_model.set_rows(list(preview.due))
        self.due_table.fit_columns()
        self.summary_label.setText(preview.summary() + " Held items are shown greyed, with their hold.")
        holding = [b for b in preview.backups if b.holds_purged_data]
        self.backups_label.setText(
            "Backups that still hold purged data: " + "; ".join(
                f"{b.name} (pruned by the first purge after {b.pruned_after:%Y-%m-%d})" for b in holding)
            if holding else "No backup holds purged data.")
        self.purge_button.setEnabled(bool(preview.purgeable))

    def _run(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return False
        self.error_label.clear_message()
        self.refresh()
        return True

    def save_policy(self) -> None:
        policy = Policy(**{name: spin.value() for name, spin in self.window_spins.items()})
        self._run(lambda: retention.set_policy(self._context.database, self._context.actor, policy))

    def place_hold(self) -> None:
        target = HoldTarget(self.hold_target.currentData())
        if self._run(lambda: retention.place_hold(self._context.database, self._context.actor, target,
                                                  self.hold_id.value(), self.hold_reason.text())):
            self.hold_reason.clear()

    def release_hold(self) -> None:
        hold_id = self.holds_table.selected_id()
        if hold_id is None:
            self.error_label.show_message("Select the hold to release.")
            return
        reason = self.hold_reason.text().strip()
        if not reason:
            self.error_label.show_message("Type why the hold ends in the reason field first.")
            return
        if not confirm(self, "Release the legal hold?",
                       f"Retention applies again to what hold {hold_id} covers. Reason: “{reason}”.", "Release"):
            return
        if self._run(lambda: retention.release_hold(self._context.database, self._context.actor, hold_id, reason)):
            self.hold_reason.clear()

    def purge(self) -> None:
        count = sum(not d.held_by for d in self.due_model.rows())
        if not confirm(self, "Purge for good?",
                       f"{count} item(s) are deleted or anonymised after a verified backup. Audio files and "
                       "transcripts cannot be brought back from the app afterwards.", "Purge"):
            return
        server_backup = self._context.database.sqlite_file is None and confirm(
            self, "Backup of the team server",
            "The app cannot dump the team server. Confirm that a pg_dump backup was taken just now.",
            "A backup was taken")
        try:
            report = retention.purge(self._context.database, self._context.actor, self._context.paths,
                                     server_backup_taken=server_backup)
        except SupervisorError as exc:
            self.error_label.show_message(str(exc))
            return
        self.error_label.clear_message()
        self.refresh()
        self.summary_label.setText(f"Purged {len(report.purged)} item(s) after backup {report.backup}; "
                                   f"{report.files_removed} audio file(s) removed. " + self.summary_label.text())
