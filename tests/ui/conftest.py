"""GUI fixtures: real widgets offscreen, a signed-in context over a copy of the demo database, screenshots."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication, QWidget

from supervisor_app.paths import AppPaths
from supervisor_app.settings import Settings
from supervisor_app.store.db import Database
from supervisor_app.ui.app import create_application
from supervisor_app.ui.shell.app_context import AppContext
from tests.conftest import REPO_ROOT, login

SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def qapp_cls() -> type[QApplication]:
    return QApplication


@pytest.fixture(autouse=True)
def _styled_app(qapp: QApplication) -> QApplication:
    return create_application()


@pytest.fixture(autouse=True)
def _no_leftover_threads(qapp: QApplication) -> Iterator[None]:
    """Fail any GUI test that leaves a worker thread running (napari does the same)."""
    before = threading.active_count()
    yield
    QThreadPool.globalInstance().waitForDone(2000)
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    assert threading.active_count() <= before


def make_context(database: Database, paths: AppPaths, username: str) -> AppContext:
    return AppContext(database, paths, Settings(paths.settings_file), login(database, username))


@pytest.fixture
def admin_context(demo_db: Database, paths: AppPaths) -> AppContext:
    return make_context(demo_db, paths, "admin")


def screenshot(widget: QWidget, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(target))
    return target
