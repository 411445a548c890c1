"""The demo data set: users with documented passwords, a dozen coaches, the default rubric."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, cast

from sqlalchemy import func, select

from supervisor_app.core.coaches import parse_level
from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent
from supervisor_app.core.roles import Permission, Role, parse_role
from supervisor_app.core.sampling import FrameMember, draw
from supervisor_app.errors import PermissionDeniedError
from supervisor_app.media.transcribe import TranscriptionSettings
from supervisor_app.paths import AppPaths, bundled_path
from supervisor_app.services import (
    accounts,
    audit,
    audits,
    calibration,
    coaches,
    dashboard,
    library,
    reviews,
    rubrics,
    transcription,
)
from supervisor_app.services.context import Actor, require
from supervisor_app.store.db import Database
from supervisor_app.store.models import CalibrationRound, Coach, User


@dataclass(frozen=True)
class DemoResult:
    users_added: int
    coaches_added: int
    rubric_added: bool
    round_added: bool = False

    @property
    def message(self) -> str:
        if not (self.users_added or self.coaches_added or self.rubric_added or self.round_added):
            return "The demo data set is already loaded; nothing changed."
        return (f"Demo data loaded: {self.users_added} users, {self.coaches_added} coaches"
                f"{', the default rubric' if self.rubric_added else ''}"
                f"{', 3 recordings and a revealed calibration round' if self.round_added else ''}.")


DEFAULT_RUBRIC_KEY = "grow-icf-core"


def demo_document() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(bundled_path("resources", "demo", "demo.json").read_text("utf-8")))


def load_demo(db: Database, actor: Actor | None, paths: AppPaths | None = None) -> DemoResult:
    """Load the demo set. Into an empty database anyone may; otherwise only an administrator. Idempotent.

    With `paths`, also three recorded sessions (queued for transcription) and a revealed calibration round:
    two raters and a master with realistic disagreement, so the reveal screen has something to show at once.
    """
    document = demo_document()
    with db.transaction() as session:
        has_users = bool(session.scalar(select(func.count()).select_from(User)))
        if has_users:
            if actor is None:
                raise PermissionDeniedError("This database already has users: log in as an administrator "
                                            "(--user) to add the demo data set.")
            require(actor, Permission.LOAD_DEMO)
        users_added = 0
        for spec in document["users"]:
            if session.scalar(select(User.id).where(User.username == spec["username"])) is None:
                accounts.insert_user(session, spec["username"], spec["display_name"], parse_role(spec["role"]),
                                      spec["password"])
                users_added += 1
        rubric = rubrics.install_default_rubric(session, actor)
        user_ids = dict(session.execute(select(User.username, User.id)).all())
        coaches_added = 0
        for spec in document["coaches"]:
            if session.scalar(select(Coach.id).where(Coach.employee_id == spec["employee_id"])) is not None:
                continue
            session.add(Coach(
                employee_id=spec["employee_id"], name=spec["name"], level=parse_level(spec["level"]).value,
                business_unit=spec["business_unit"], supervisor_id=user_ids.get(spec["supervisor"]),
                active=spec.get("active", True),
                certified_on=dt.date.fromisoformat(spec["certified_on"]) if spec.get("certified_on") else None,
            ))
            coaches_added += 1
        audit.record(session, actor, "demo.load", "database", "demo",
                     {"users": users_added, "coaches": coaches_added, "rubric": rubric.created})
    round_added = paths is not None and _load_round(db, paths, document)
    return DemoResult(users_added, coaches_added, rubric.created, round_added)


def _demo_score(base: int, leniency: int, competency_index: int, recording_index: int) -> int:
    """A rater's score: the master's base moved by their leniency on about two competencies in three."""
    moved = base + (leniency if (competency_index + recording_index) % 3 else 0)
    return min(max(moved, 1), 5)


def _load_round(db: Database, paths: AppPaths, document: dict[str, Any]) -> bool:
    """Demo recordings and a revealed calibration round, unless the demo round exists already."""
    spec = document["calibration_round"]
    with db.transaction() as session:
        if session.scalar(select(CalibrationRound.id).where(CalibrationRound.title == spec["title"])) is not None:
            return False
        ids = dict(session.execute(select(User.username, User.id)).all())
        coach_ids = dict(session.execute(select(Coach.employee_id, Coach.id)).all())
        people = {u.username: Actor(u.id, u.username, u.display_name, Role(u.role))
                  for u in session.scalars(select(User).where(User.username.in_(
                      [spec["lead"], spec["master"], *spec["raters"]])))}
    lead = people[spec["lead"]]
    recordings = []
    for entry in document["recordings"]:
        outcome = library.import_recording(
            db, lead, paths, bundled_path("resources", "demo", "audio", entry["file"]),
            library.RecordingInput(coach_ids[entry["coach"]], entry["coachee"],
                                   dt.date.fromisoformat(entry["session_date"])))
        recordings.append((outcome.recording.id, entry["moments"]))
    transcription.enqueue(db, lead, [r for r, _ in recordings], TranscriptionSettings())
    rubric_id = rubrics.find_rubric_version(db, lead, DEFAULT_RUBRIC_KEY).id
    round_id = calibration.create_round(db, lead, spec["title"], [r for r, _ in recordings],
                                        [ids[name] for name in spec["raters"]], rubric_id,
                                        dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
                                        master_id=ids[spec["master"]], hide_identity=True)
    rubric = rubrics.get_rubric(db, lead, rubric_id)
    tags = ("asked open question", "strength", "advised/told", "reflected")
    for name, leniency in spec["leniency"].items():
        rater = people[name]
        for recording_index, (recording_id, moments) in enumerate(recordings):
            [summary] = [r for r in reviews.list_reviews(db, rater)
                         if r.recording_id == recording_id and r.status == "draft"]
            scores, evidence = {}, []
            for index, competency in enumerate(rubric.competencies):
                start, end, quote = moments[(index + recording_index) % len(moments)]
                if competency.is_gate:
                    passed = (index + recording_index + (leniency if name == "tom" else 0)) % 4 != 0
                    scores[competency.id] = CompetencyScore(competency.id, gate_passed=passed)
                else:
                    base = 2 + (index * 7 + recording_index * 3) % 3
                    scores[competency.id] = CompetencyScore(
                        competency.id, score=_demo_score(base, leniency, index, recording_index),
                        rationale="Demo rationale: what was heard at this moment.")
                evidence.append(Evidence(competency.id, start, end, quote, tags[(index + recording_index) % 4]))
            reviews.save_draft(db, rater, summary.id, ReviewContent(scores, tuple(evidence)))
            reviews.submit(db, rater, summary.id)
    calibration.reveal(db, lead, round_id)
    _load_quarter(db, lead, document)
    return True


DEMO_SHARE = Fraction(1, 4)


def _load_quarter(db: Database, lead: Actor, document: dict[str, Any]) -> None:
    """A quarter in progress: the audit cycle of the demo sessions' quarter, its reviews assigned.

    The seed is the first one whose draw includes at least two of the coaches with a demo recording, so that the
    new user sees sessions to review rather than a sample of coaches who still owe one (a real cycle's seed is
    random; `audit-cycle verify` re-derives this one like any other).
    """
    quarter = dashboard.quarter_containing(dt.date.fromisoformat(document["recordings"][0]["session_date"]))
    roster = coaches.list_coaches(db, lead)
    frame = [FrameMember(c.id, c.level.value, c.business_unit, None) for c in roster]
    recorded = {c.id for c in roster if c.employee_id in {e["coach"] for e in document["recordings"]}}
    seed = next(s for s in range(1, 10_000) if len(recorded & set(draw(frame, DEMO_SHARE, s, quarter))) >= 2)
    audits.create_cycle(db, lead, quarter.label, share=DEMO_SHARE, seed=seed)
    audits.assign_cycle(db, lead, quarter.label, audits.propose_assignments(db, lead, quarter.label))
