"""Start the GUI: one instance per data folder, database migrated before any window, then sign-in."""

from __future__ import annotations

import gc
import sys

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QLineEdit
from sqlalchemy import make_url

from supervisor_app import APP_NAME, __version__
from supervisor_app.errors import ServerLoginError, SupervisorError
from supervisor_app.paths import AppPaths, bundled_path
from supervisor_app.services import accounts, system, transcription
from supervisor_app.services.context import Actor
from supervisor_app.settings import SettingKey, Settings
from supervisor_app.store.db import Database
from supervisor_app.ui.shell.app_context import AppContext
from supervisor_app.ui.shell.first_run_dialog import DEMO_HINT, FirstRunDialog
from supervisor_app.ui.shell.login_dialog import LoginDialog
from supervisor_app.ui.shell.main_window import MainWindow
from supervisor_app.ui.widgets.messages import show_error


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Coaching Supervisor")
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSize(max(font.pointSize(), 10))
    app.setFont(font)
    app.setStyleSheet(bundled_path("resources", "style.qss").read_text("utf-8"))
    global _collector
    if _collector is None:
        # Collect garbage on the GUI thread only, on a timer: a collection that ran in a worker thread (say while
        # a transcript check was decoding) called PySide's weak-reference clean-up, which disconnects Qt signals
        # there, and deadlocked against the GUI thread building a text layout (seen in the test suite).
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=1.0)
    return app


_collector: object | None = None


def settle_heap() -> None:
    """Move everything start-up allocated out of the garbage collector's reach (CPython's gc.freeze).

    The libraries behind the window leave a large heap; a full collection over it stalls the event loop for
    about a tenth of a second. Frozen, those objects are never scanned again.
    """
    gc.collect()
    gc.freeze()


def sign_in(database: Database, settings: Settings, paths: AppPaths | None = None) -> Actor | None:
    """First-run set-up when the database has no users, then the login dialog; None if the user cancels. On a team
    server a login that belongs to a user needs no second password: the server checked it."""
    if not database.is_sqlite and (signed_in := accounts.server_sign_in(database)) is not None:
        return signed_in
    hint = ""
    if accounts.needs_first_admin(database):
        first_run = FirstRunDialog(database, paths)
        if first_run.exec() != QDialog.DialogCode.Accepted:
            return None
        if first_run.actor is not None:
            return first_run.actor
        hint = DEMO_HINT
        settings.set(SettingKey.LAST_USERNAME, "admin")
    last = settings.get(SettingKey.LAST_USERNAME)
    login = LoginDialog(database, username=last if isinstance(last, str) else "", hint=hint)
    if login.exec() != QDialog.DialogCode.Accepted:
        return None
    return login.actor


def open_with_password_prompt(paths: AppPaths, url: str) -> system.OpenedDatabase | None:
    """Open the database; a team server that wants the login's password (none in ~/.pgpass) asks for it until it
    is right or the user cancels (None). The password stays in memory only."""
    while True:
        try:
            return system.open_database(paths, url)
        except ServerLoginError as exc:
            parsed = make_url(url)
            password, accepted = QInputDialog.getText(
                None, f"{APP_NAME}: team server", f"{exc}\n\nPassword of the server login "
                f"{parsed.username or ''!r}:", QLineEdit.EchoMode.Password)
            if not accepted:
                return None
            url = parsed.set(password=password).render_as_string(hide_password=False)


def run_gui(paths: AppPaths, url: str) -> int:
    app = create_application()
    lock = system.InstanceLock(paths)
    try:
        lock.acquire()
    except SupervisorError as exc:
        show_error(None, APP_NAME, str(exc))
        return 1
    try:
        try:
            opened = open_with_password_prompt(paths, url)
        except SupervisorError as exc:
            show_error(None, f"{APP_NAME} cannot open its database", str(exc))
            return 1
        if opened is None:
            return 0
        recovered = transcription.recover_interrupted(opened.database)
        settings = Settings(paths.settings_file)
        actor = sign_in(opened.database, settings, paths)
        if actor is None:
            return 0
        settings.set(SettingKey.LAST_USERNAME, actor.username)
        window = MainWindow(AppContext(opened.database, paths, settings, actor))
        window.show()
        settle_heap()
        if recovered:
            window.show_status(f"{len(recovered)} interrupted transcription job(s) will resume where they stopped.")
        if opened.migration.changed and opened.migration.backup is not None:
            window.show_status(f"Database upgraded to {opened.migration.to_revision}; "
                               f"backup: {opened.migration.backup.name}")
        return app.exec()
    finally:
        lock.release()
