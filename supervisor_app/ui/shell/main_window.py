"""The main window: navigation between the areas, menus, shortcuts and the status bar."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from supervisor_app import APP_NAME
from supervisor_app.core.roles import Permission
from supervisor_app.errors import SupervisorError
from supervisor_app.services import retention, system
from supervisor_app.services.context import Actor
from supervisor_app.services.journal import Journal
from supervisor_app.settings import SettingKey
from supervisor_app.ui.admin.admin_page import AdminPage
from supervisor_app.ui.audits.audits_page import AuditsPage
from supervisor_app.ui.calibration.calibration_page import CalibrationPage
from supervisor_app.ui.coaches.coaches_page import CoachesPage
from supervisor_app.ui.library.library_page import LibraryPage
from supervisor_app.ui.library.transcription_controller import TranscriptionController
from supervisor_app.ui.program.program_page import ProgramPage
from supervisor_app.ui.review.reviews_page import ReviewsPage
from supervisor_app.ui.rubrics.rubrics_page import RubricsPage
from supervisor_app.ui.shell.about_dialog import AboutDialog
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.shell.login_dialog import LoginDialog
from supervisor_app.ui.shell.shortcuts_dialog import ShortcutsDialog
from supervisor_app.ui.shell.team_feed import TeamFeed
from supervisor_app.ui.widgets.messages import show_error, show_info


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    purpose: str
    permission: Permission | None = None


# pages that show what these tables hold (a change by another laptop refreshes them)
REFRESHED_BY: dict[str, frozenset[str]] = {
    "library": frozenset({"recordings", "transcripts", "transcription_jobs", "reviews"}),
    "reviews": frozenset({"reviews", "assignments"}),
    "calibration": frozenset({"calibration_rounds", "round_raters", "reviews"}),
    "program": frozenset({"audit_cycles", "assignments", "reviews"}),
}

AREAS = (
    Area("library", "Library", "", Permission.VIEW_RECORDINGS),
    Area("reviews", "Reviews", "", Permission.REVIEW),
    Area("calibration", "Calibration", "", Permission.REVIEW),
    Area("audits", "Audits", "", Permission.EXPORT_AGGREGATES),
    Area("coaches", "Coaches", "", Permission.VIEW_COACHES),
    Area("rubrics", "Rubrics", "", Permission.VIEW_RUBRICS),
    Area("admin", "Admin", "", Permission.MANAGE_USERS),
    Area("program", "Program", "", Permission.RUN_AUDITS),
)


class MainWindow(QMainWindow):
    user_switched = Signal(object)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.pages: dict[str, QWidget] = {}
        self.active_dialog: QWidget | None = None
        self.setWindowTitle(APP_NAME)
        self.setMinimumSize(960, 600)
        self.resize(1280, 800)

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(190)
        self.nav.setIconSize(QSize(0, 0))
        self.stack = QStackedWidget()
        self.server_banner = QLabel("⚠ The team server cannot be reached. What you type is kept on this laptop and "
                                    "saved when the server answers again; other people's changes appear then.")
        self.server_banner.setObjectName("warningBanner")
        self.server_banner.setWordWrap(True)
        self.server_banner.hide()
        self.retention_banner = QLabel()
        self.retention_banner.setObjectName("warningBanner")
        self.retention_banner.setWordWrap(True)
        self.retention_banner.hide()
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        content = QVBoxLayout()
        content.setContentsMargins(0, 0, 0, 0)
        content.addWidget(self.server_banner)
        content.addWidget(self.retention_banner)
        content.addWidget(self.stack, 1)
        layout.addLayout(content, 1)
        self.setCentralWidget(central)

        self.user_label = QLabel()
        self.database_label = QLabel()
        self.statusBar().addPermanentWidget(self.database_label)
        self.statusBar().addPermanentWidget(self.user_label)

        self.team_feed = TeamFeed(context.database, self)
        self.team_feed.changed.connect(self.on_team_feed_changed)
        self.team_feed.reachability_changed.connect(self.on_team_feed_reachability_changed)
        self._stale: set[str] = set()
        self._unavailable_actions: list[QAction] = []

        self.transcriptions = TranscriptionController(context, self)
        self.team_feed.changed.connect(self.transcriptions.on_jobs_changed_elsewhere)
        self.nav.currentRowChanged.connect(self.on_nav_current_row_changed)
        self._build_menus()
        self._build_pages()
        geometry = context.settings.get(SettingKey.WINDOW_GEOMETRY)
        if isinstance(geometry, str):
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))
        last_area = context.settings.get(SettingKey.LAST_AREA)
        self.show_area(last_area if isinstance(last_area, str) and last_area in self.pages else self.home_area())
        self.replay_journal()
        self.announce_retention()

    def on_import_recordings_triggered(self) -> None:
        library_page = self.pages.get("library")
        if isinstance(library_page, LibraryPage):
            self.show_area("library")
            library_page.choose_files()

    def show_anchors(self, competency_id: str) -> None:
        """From the reveal screen: the Rubrics page at a competency whose scores are not reliable."""
        rubrics_page = self.pages.get("rubrics")
        if isinstance(rubrics_page, RubricsPage):
            self.show_area("rubrics")
            rubrics_page.show_competency(competency_id)

    def announce_retention(self) -> None:
        """At the start of a session, drop local copies of audio purged elsewhere and say what the retention policy
        says is due (staff only)."""
        try:
            retention.sweep_local(self.context.database, self.context.paths)
            notice = retention.due_notice(self.context.database, self.context.actor, self.context.paths)
        except SupervisorError:
            notice = None
        if notice and self.context.actor.can(Permission.MANAGE_USERS):
            notice += " Review and purge it under Administration → Retention."
        elif notice:
            notice += " An administrator purges it (Administration → Retention)."
        self.retention_banner.setText(f"Retention: {notice}" if notice else "")
        self.retention_banner.setVisible(bool(notice))

    def home_area(self) -> str:
        """Where a first start opens: the Program page for a program lead, else the Library, else the first area."""
        return next((key for key in ("program", "library") if key in self.pages), next(iter(self.pages)))

    # ------------------------------------------------------------ building

    def _action(self, text: str, slot: object, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
        menu_bar.clear()
        actor = self.context.actor
        file_menu = menu_bar.addMenu("&File")
        self.import_recordings_action = self._action("Import &recordings…", self.on_import_recordings_triggered)
        self.import_recordings_action.setToolTip("Ctrl+O on the Library")
        self.import_recordings_action.setEnabled(actor.can(Permission.MANAGE_RECORDINGS))
        file_menu.addAction(self.import_recordings_action)
        self.import_rubric_action = self._action("Import ru&bric…", self.on_import_rubric_triggered, "Ctrl+I")
        self.import_rubric_action.setEnabled(actor.can(Permission.IMPORT_RUBRICS))
        file_menu.addAction(self.import_rubric_action)
        if actor.can(Permission.MANAGE_USERS):
            file_menu.addAction(self._action("&Back up database now", self.on_backup_triggered))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Switch user…", self.switch_user, "Ctrl+Shift+U"))
        file_menu.addAction(self._action("&Quit", self.close, "Ctrl+Q"))  # StandardKey.Quit is empty on some desktops

        self.view_menu = menu_bar.addMenu("&View")
        help_menu = menu_bar.addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard shortcuts", self.on_shortcuts_triggered, "F1"))
        help_menu.addAction(self._action(f"&About {APP_NAME}", self.open_about))

    def _page_for(self, area: Area) -> QWidget:
        if area.key == "coaches":
            return CoachesPage(self.context)
        if area.key == "rubrics":
            return RubricsPage(self.context)
        if area.key == "admin":
            return AdminPage(self.context)
        if area.key == "library":
            page = LibraryPage(self.context, self.transcriptions)
            page.review_requested.connect(self.start_review)
            return page
        if area.key == "reviews":
            return ReviewsPage(self.context)
        if area.key == "calibration":
            calibration_page = CalibrationPage(self.context)
            calibration_page.anchors_requested.connect(self.show_anchors)
            return calibration_page
        if area.key == "program":
            return ProgramPage(self.context)
        return AuditsPage(self.context)

    def _build_pages(self) -> None:
        old_reviews = self.pages.get("reviews")
        if isinstance(old_reviews, ReviewsPage):
            old_reviews.close_workspace()
        self.nav.clear()
        self.view_menu.clear()
        while self.stack.count():
            page = self.stack.widget(0)
            self.stack.removeWidget(page)
            page.deleteLater()
        self.pages.clear()
        for action in self._unavailable_actions:
            self.removeAction(action)
        self._unavailable_actions = []
        for number, area in enumerate(AREAS, start=1):
            if area.permission is not None and not self.context.actor.can(area.permission):
                # the shortcut still answers, in words, instead of doing nothing
                refused = self._action(area.title, lambda _checked=False, title=area.title: self.show_status(
                    f"{title} is not part of the {self.context.actor.role.label} role."), f"Ctrl+{number}")
                self.addAction(refused)
                self._unavailable_actions.append(refused)
                continue
            page = self._page_for(area)
            self.pages[area.key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(area.title)
            item.setData(Qt.ItemDataRole.UserRole, area.key)
            item.setSizeHint(QSize(180, 40))
            self.nav.addItem(item)
            self.view_menu.addAction(self._action(area.title, lambda _checked=False, k=area.key: self.go_to(k),
                                                  f"Ctrl+{number}"))
        actor = self.context.actor
        self.user_label.setText(f"  {actor.display_name} · {actor.role.label}  ")
        self.database_label.setText(f"  Data: {self.context.database.describe()}  ")

    # ------------------------------------------------------------ behaviour

    def on_team_feed_changed(self, tables: frozenset[str]) -> None:
        """Other laptops changed these tables: refresh the page in view now, the others when shown."""
        for key, page in self.pages.items():
            if tables & REFRESHED_BY.get(key, frozenset()):
                if page is self.stack.currentWidget():
                    self._refresh_page(page)
                else:
                    self._stale.add(key)

    def replay_journal(self) -> None:
        """Save drafts this laptop kept while the server was away (at start and whenever it answers again)."""
        if self.context.database.is_sqlite:
            return
        context = self.context
        replay = Journal(context.paths).replay(context.database, context.actor)
        if replay.saved:
            self.show_status(f"{len(replay.saved)} draft(s) typed while the server was away are saved now.")
        for entry in replay.conflicts:
            show_info(self, "Draft kept on this laptop",
                      f"{entry.reason}\n\nThe version typed while the server was away is kept in {entry.path}.")

    def on_team_feed_reachability_changed(self, reachable: bool) -> None:
        self.server_banner.setVisible(not reachable)
        if reachable:  # drafts kept meanwhile are saved; changes made while away were not heard: all may be stale
            self.replay_journal()
            self._stale.update(self.pages)
            current = self.stack.currentWidget()
            self._stale.discard(self.current_area())
            self._refresh_page(current)

    @staticmethod
    def _refresh_page(page: QWidget) -> None:
        if isinstance(page, LibraryPage):
            page.reload()
        elif isinstance(page, CalibrationPage):
            page.refresh(page.rounds.selected_id())
        elif isinstance(page, ReviewsPage | ProgramPage):
            page.refresh()

    def show_area(self, key: str) -> None:
        page = self.pages.get(key)
        if page is None:
            return
        if key in self._stale:
            self._stale.discard(key)
            self._refresh_page(page)
        self.stack.setCurrentWidget(page)
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(row)
        self.context.settings.set(SettingKey.LAST_AREA, key)

    def go_to(self, key: str) -> None:
        """Ctrl+1 … Ctrl+8: the page, with the keyboard focus inside it so its own shortcuts answer at once."""
        self.show_area(key)
        page = self.pages.get(key)
        if page is not None and not page.isAncestorOf(QApplication.focusWidget()):
            page.setFocus(Qt.FocusReason.ShortcutFocusReason)
            page.focusNextChild()

    def current_area(self) -> str:
        item = self.nav.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""

    def on_nav_current_row_changed(self, row: int) -> None:
        if row >= 0:
            self.show_area(str(self.nav.item(row).data(Qt.ItemDataRole.UserRole)))

    def start_review(self, recording_id: int) -> None:
        page = self.pages.get("reviews")
        if isinstance(page, ReviewsPage):
            self.show_area("reviews")
            page.start_for_recording(recording_id)

    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 5000)

    def on_import_rubric_triggered(self) -> None:
        page = self.pages.get("rubrics")
        if isinstance(page, RubricsPage) and page.can_import:
            self.show_area("rubrics")
            page.choose_and_import()

    def on_backup_triggered(self) -> None:
        try:
            target = system.backup_now(self.context.database, self.context.paths, self.context.actor)
        except SupervisorError as exc:
            show_error(self, "Backup failed", str(exc))
            return
        self.show_status(f"Backup written: {target}")

    def on_shortcuts_triggered(self) -> None:
        dialog = ShortcutsDialog(self)
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def open_about(self) -> None:
        dialog = AboutDialog(self.context.database, self)
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def switch_user(self) -> None:
        dialog = LoginDialog(self.context.database, parent=self)
        dialog.accepted.connect(lambda: self.set_actor(dialog.actor))
        dialog.finished.connect(dialog.deleteLater)
        self.active_dialog = dialog
        dialog.open()

    def set_actor(self, actor: Actor | None) -> None:
        if actor is None:
            return
        area = self.current_area()
        self.context.actor = actor
        self.context.settings.set(SettingKey.LAST_USERNAME, actor.username)
        self._build_menus()
        self._build_pages()
        self.show_area(area if area in self.pages else next(iter(self.pages)))
        self.show_status(f"Signed in as {actor.display_name}.")
        self.announce_retention()
        self.user_switched.emit(actor)

    def closeEvent(self, event: QCloseEvent) -> None:
        reviews_page = self.pages.get("reviews")
        if isinstance(reviews_page, ReviewsPage):
            reviews_page.close_workspace()
        self.transcriptions.shutdown()
        self.team_feed.stop()
        self.context.settings.set(SettingKey.WINDOW_GEOMETRY,
                                  bytes(self.saveGeometry().toBase64().data()).decode("ascii"))
        super().closeEvent(event)
