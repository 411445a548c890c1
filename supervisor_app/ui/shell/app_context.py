"""What every screen needs: the database, the paths, the settings and the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass

from supervisor_app.paths import AppPaths
from supervisor_app.services.context import Actor
from supervisor_app.settings import Settings
from supervisor_app.store.db import Database


@dataclass
class AppContext:
    database: Database
    paths: AppPaths
    settings: Settings
    actor: Actor
