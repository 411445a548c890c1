"""The CLI driven in-process, as a user would call it, with its own data folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from supervisor_app.cli import main


class Cli:
    def __init__(self, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.data_dir = data_dir
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def __call__(self, *args: str, user: str | None = None, password: str | None = None,
                 new_password: str | None = None) -> tuple[int, str, str]:
        for name, value in (("SUPERVISOR_PASSWORD", password), ("SUPERVISOR_NEW_PASSWORD", new_password)):
            if value is None:
                self._monkeypatch.delenv(name, raising=False)
            else:
                self._monkeypatch.setenv(name, value)
        argv = ["--data-dir", str(self.data_dir)] + (["--user", user] if user else []) + list(args)
        code = main(argv)
        captured = self._capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "cli-data", capsys, monkeypatch)


@pytest.fixture
def demo_cli(cli: Cli, round_template: Path) -> Cli:
    """The CLI over a copy of the full demo's data folder (database and recordings), loaded once per test session:
    what `supervisor-app demo` makes, without paying for it in every test."""
    shutil.copytree(round_template.parent, cli.data_dir)
    return cli
