"""The hostile-input suite: every command run as a user (or an attacker) would, in a child process, with its
exit code, its one-line message, its time and its peak memory measured, and the data folder compared before and
after so that a refusal provably changed nothing."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.conftest import cli  # noqa: F401 - the in-process CLI fixture, for the guard's tests
from tests.conftest import DEMO_PASSWORDS, REPO_ROOT

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

# The child's own peak: VmHWM belongs to the memory image the child exec'd into, whereas ru_maxrss survives exec
# and can report the (much larger) pytest process it was forked from.
RUNNER = textwrap.dedent("""
    import re, resource, sys, time
    from supervisor_app.cli import main

    def peak_kb():
        try:
            with open("/proc/self/status") as status:
                return int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))
        except (OSError, AttributeError):
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    started = time.perf_counter()
    try:
        code = main(sys.argv[1:])
    finally:
        sys.stderr.write(f"\\n@@measure {peak_kb()} {time.perf_counter() - started:.3f}\\n")
    sys.exit(code)
""")


# What a hostile input may cost in memory beyond the command line's own start-up (its imports: Qt-free, but
# numpy, SciPy, SQLAlchemy, PyAV): the inputs below ask for gigabytes when they are not bounded.
EXTRA_MB = 150.0


@functools.cache
def baseline_mb() -> float:
    """Peak RSS of a command that reads nothing (`versions`)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        outcome = run_cli(Path(folder) / "data", "versions")
    assert outcome.code == 0, outcome.err
    return outcome.peak_mb


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str  # without the measurement line
    seconds: float
    peak_mb: float

    @property
    def message(self) -> str:
        """The user-facing error: from the line starting with 'error:' on (a list of problems is indented below)."""
        lines = self.err.splitlines()
        first = next((i for i, line in enumerate(lines) if line.startswith("error:")), len(lines))
        return "\n".join(lines[first:])

    def refused(self, *fragments: str, max_seconds: float = 30.0, extra_mb: float = EXTRA_MB) -> None:
        """Exit 1 with one clear message (no traceback) naming each fragment, within the time given and within
        `extra_mb` of what the command line needs to start at all."""
        assert self.code == 1, (self.code, self.out[-500:], self.err[-2000:])
        assert "Traceback" not in self.err, self.err[-3000:]
        assert self.message, self.err[-1000:]
        for fragment in fragments:
            assert fragment in self.message, (fragment, self.message)
        assert self.seconds < max_seconds, self.seconds
        assert self.peak_mb < baseline_mb() + extra_mb, (self.peak_mb, baseline_mb())


def run_cli(data_dir: Path, *args: str | bytes, user: str | None = None, timeout: float = 120.0,
            stdin: bytes | None = None) -> Outcome:
    """`supervisor-app --data-dir DIR [--user U] ARGS…` in a child process (password from the environment)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISOR_")}
    env["HOME"] = str(data_dir.parent / "home")
    if user:
        env["SUPERVISOR_PASSWORD"] = DEMO_PASSWORDS[user]
    argv: list[str | bytes] = ["--data-dir", str(data_dir), *(["--user", user] if user else []), *args]
    try:
        result = subprocess.run([sys.executable, "-c", RUNNER, *argv], capture_output=True, timeout=timeout,
                                cwd=REPO_ROOT, env=env, input=stdin or b"", check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"supervisor-app {' '.join(map(repr, args))} did not finish in {timeout} s (a hang)")
    err = result.stderr.decode("utf-8", "backslashreplace")
    lines = err.rstrip("\n").split("\n")
    measure = lines[-1].split() if lines and lines[-1].startswith("@@measure") else ["", "0", "0"]
    return Outcome(result.returncode, result.stdout.decode("utf-8", "backslashreplace"),
                   "\n".join(line for line in lines if not line.startswith("@@measure")),
                   float(measure[2]), int(measure[1]) / 1024)


VOLATILE = {"users": {"last_login_at", "password_hash"}}


def folder_state(data_dir: Path) -> dict[str, object]:
    """Everything a command could have changed: every table's rows (sign-ins aside: a refused command still
    signs the user in) and every stored file with its hash."""
    state: dict[str, object] = {}
    database = data_dir / "supervisor.sqlite3"
    if database.exists():
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                                       "name NOT LIKE 'segment_fts%' AND name NOT LIKE 'sqlite_%'")]
            for table in sorted(tables):
                columns = [r[1] for r in connection.execute(f"PRAGMA table_info({table})")]
                keep = [c for c in columns if c not in VOLATILE.get(table, set())]
                query = f"SELECT {', '.join(keep)} FROM {table}"
                if table == "audit_events":
                    query += " WHERE action != 'user.login'"
                    state[table] = [row[:keep.index("prev_hash")] for row in connection.execute(query)]
                else:
                    state[table] = sorted(map(repr, connection.execute(query)))
        finally:
            connection.close()
    files = {}
    for folder in ("recordings",):
        for path in sorted((data_dir / folder).rglob("*")):
            if path.is_file():
                files[path.relative_to(data_dir).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    state["files"] = files
    return state


@pytest.fixture(scope="session")
def demo_folder_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full demo (users, coaches, rubric, three recordings, a revealed round), made once."""
    folder = tmp_path_factory.mktemp("hostile-template") / "data"
    outcome = run_cli(folder, "demo")
    assert outcome.code == 0, outcome.err
    return folder


@pytest.fixture
def demo_folder(tmp_path: Path, demo_folder_template: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(demo_folder_template, folder)
    return folder


def unchanged(data_dir: Path, before: dict[str, object]) -> bool:
    return folder_state(data_dir) == before
