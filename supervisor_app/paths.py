"""Every file-system location the app uses, in one place.

The data directory comes from `--data-dir`, else the `SUPERVISOR_DATA_DIR` environment variable,
else the platform's user data folder (platformdirs). Tests always pass their own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from supervisor_app.errors import ConfigurationError

DATA_DIR_ENV = "SUPERVISOR_DATA_DIR"
DB_URL_ENV = "SUPERVISOR_DB_URL"
_APP_DIR_NAME = "coaching-supervisor"
_PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path

    @property
    def database_file(self) -> Path:
        return self.data_dir / "supervisor.sqlite3"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def audio_cache_dir(self) -> Path:
        """Decoded audio (16 kHz mono) and waveform peaks, rebuilt from the recordings whenever missing."""
        return self.data_dir / "cache" / "audio"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def settings_file(self) -> Path:
        return self.data_dir / "settings.json"

    @property
    def store_lock_file(self) -> Path:
        """Held by imports while they write into the recordings folder (see services.library)."""
        return self.data_dir / "recordings.lock"

    @property
    def journal_dir(self) -> Path:
        """Typing the team server could not take yet, and the losing side of a draft conflict."""
        return self.data_dir / "journal"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "instance.lock"

    def default_database_url(self) -> str:
        return f"sqlite:///{self.database_file}"

    def ensure(self) -> None:
        """Create the folders the app writes to; a clear error if that is impossible."""
        for folder in (self.data_dir, self.backups_dir, self.logs_dir, self.recordings_dir, self.models_dir):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigurationError(
                    f"Cannot create the folder {folder}: {exc.strerror}. "
                    f"Choose another data folder with --data-dir or {DATA_DIR_ENV}."
                ) from exc
        if not os.access(self.data_dir, os.W_OK):
            raise ConfigurationError(
                f"The data folder {self.data_dir} is not writable. "
                f"Choose another one with --data-dir or {DATA_DIR_ENV}."
            )


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    chosen = data_dir or os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(_APP_DIR_NAME, appauthor=False)
    path = Path(chosen).expanduser()
    if path.exists() and not path.is_dir():
        raise ConfigurationError(f"The data folder {path} is a file, not a folder. Choose another one.")
    return AppPaths(data_dir=path.resolve())


SERVICE_PREFIX = "service:"


def resolve_database_url(paths: AppPaths, db_url: str | None = None) -> str:
    """`--db`, else SUPERVISOR_DB_URL, else SQLite in the data folder. `service:NAME` names an entry of the
    user's pg_service.conf (host, database, login; the password from ~/.pgpass), which a program lead can hand
    out to every laptop."""
    url = db_url or os.environ.get(DB_URL_ENV) or paths.default_database_url()
    if url.startswith(SERVICE_PREFIX):
        return f"postgresql+psycopg:///?service={url.removeprefix(SERVICE_PREFIX)}"
    return url


def bundled_path(*parts: str) -> Path:
    """A file shipped with the app: `schemas/…` or `resources/…`.

    A wheel carries them inside the package (`_bundled/`); a source checkout has them at the repo root.
    """
    for base in (_PACKAGE_DIR / "_bundled", _PACKAGE_DIR.parent):
        candidate = base.joinpath(*parts)
        if candidate.exists():
            return candidate
    raise ConfigurationError(f"The bundled file {'/'.join(parts)} is missing; reinstall the app.")
