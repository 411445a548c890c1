"""A program's team server for the tests: a fresh database on the private PostgreSQL cluster, set up with
`server init`'s service calls, and one login per app user (names prefixed per database: logins are cluster-wide)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import func, make_url, select

from supervisor_app.core.coaches import CoachLevel
from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.core.roles import Role
from supervisor_app.paths import AppPaths
from supervisor_app.services import accounts, calibration, coaches, library, reviews, rubrics, system
from supervisor_app.services.context import Actor
from supervisor_app.services.transcription import TranscriptionRunner
from supervisor_app.store.db import Database
from supervisor_app.store.models import TranscriptionJob
from tests.postgres_server import create_database, login_url

PASSWORD = "team-secret-1"
MEMBERS = {"sup": Role.SUPERVISOR, "r1": Role.RATER, "r2": Role.RATER, "hr": Role.HR_VIEWER}


@dataclass
class Team:
    owner_url: str
    prefix: str
    root: Path
    databases: list[Database] = field(default_factory=list)

    def login(self, username: str) -> str:
        return f"{self.prefix}_{username}"

    def url(self, username: str, password: str | None = PASSWORD) -> str:
        return login_url(self.owner_url, self.login(username), password)

    def paths(self, laptop: str) -> AppPaths:
        paths = AppPaths(self.root / laptop)
        paths.ensure()
        return paths

    def open(self, username: str, laptop: str | None = None) -> tuple[Database, Actor, AppPaths]:
        """`username` on their laptop (its own data folder): connected as their login, signed in by the server."""
        paths = self.paths(laptop or username)
        database = system.open_database(paths, self.url(username)).database
        self.databases.append(database)
        actor = accounts.server_sign_in(database)
        assert actor is not None
        assert actor.username == username
        return database, actor, paths

    def psql(self, username: str) -> psycopg.Connection[tuple[object, ...]]:
        """A plain connection as the user's login, as anyone with psql and the password could open."""
        url = make_url(self.url(username))
        return psycopg.connect(dbname=url.database, user=url.username, password=url.password,
                               host=str(url.query["host"]), autocommit=True)

    def close(self) -> None:
        for database in self.databases:
            database.dispose()


def panel_round(team: Team, recording_id: int, raters: tuple[str, ...] = ("r1", "r2"), title: str = "Panel") -> int:
    """A calibration round on the recording, led by sup, with these raters (an open round: drafts for each)."""
    sup_db, sup, _ = team.open("sup", "sup-laptop")
    ids = [team.open(name)[1].user_id for name in raters]
    return calibration.create_round(sup_db, sup, title, [recording_id], ids, rubrics.list_rubrics(sup_db, sup)[0].id,
                                    dt.datetime.now(dt.UTC) + dt.timedelta(days=7))


def imported_in_round(team: Team, file: Path) -> tuple[int, int]:
    """`file` imported on sup's laptop and put in a panel round for r1 and r2: (recording id, r1's review id)."""
    sup_db, sup, sup_paths = team.open("sup", "sup-laptop")
    recording = library.import_recording(sup_db, sup, sup_paths, file, library.RecordingInput(1)).recording
    panel_round(team, recording.id)
    r1_db, r1, _ = team.open("r1", "r1-elsewhere")
    [summary] = reviews.list_reviews(r1_db, r1)
    return recording.id, summary.id


def scored_content(detail: reviews.ReviewDetail, listening: int, quote: str = "q") -> ReviewContent:
    """Content that may be submitted: active listening scored with one evidence moment, the rest not observed."""
    scores = {c.id: CompetencyScore(c.id, not_observed=True) for c in detail.rubric.competencies}
    scores["active_listening"] = CompetencyScore("active_listening", score=listening)
    return ReviewContent(scores, (Evidence("active_listening", 1.0, 3.0, quote),))


def make_team(sockets: str, root: Path) -> Iterator[Team]:
    owner_url = create_database(sockets)
    team = Team(owner_url, f"t{uuid.uuid4().hex[:8]}", root)
    owner = system.open_database(team.paths("owner"), owner_url).database
    accounts.create_first_admin(owner, "admin", "Ada Admin", PASSWORD, team.login("admin"))
    owner.dispose()
    db, admin, _paths = team.open("admin")
    for username, role in MEMBERS.items():
        accounts.create_user(db, admin, username, username.upper(), role, PASSWORD, team.login(username))
    coaches.add_coach(db, admin, coaches.CoachInput("Coach One", CoachLevel.SENIOR, "Legal"))
    try:
        yield team
    finally:
        team.close()


def work_the_queue(db: Database, paths: AppPaths, timeout_s: float = 180.0) -> None:
    """The real runner of one laptop (worker processes and all), connected as that laptop's login."""
    runner = TranscriptionRunner(db, paths, db.url.render_as_string(hide_password=False))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        runner.poll()
        with db.transaction() as session:
            left = session.scalar(select(func.count()).select_from(TranscriptionJob)
                                  .where(TranscriptionJob.status.in_(("queued", "running"))))
        if runner.current_job is None and not left:
            return
        time.sleep(0.2)
    runner.shutdown()
    raise AssertionError("transcription jobs did not finish in time")
