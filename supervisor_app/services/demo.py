"""The demo data set: users with documented passwords, a dozen coaches, the default rubric."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, cast

from sqlalchemy import func, select

from supervisor_app.core.coaches import parse_level
from supervisor_app.core.reviews import CompetencyScore, Evidence, ReviewContent, Tag
from supervisor_app.core.roles import Permission, parse_role
from supervisor_app.core.rubric import Rubric
from supervisor_app.core.sampling import FrameMember, draw
from supervisor_app.core.stance import SUGGESTED_TAGS, classify
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
from supervisor_app.store.models import Assignment, CalibrationRound, Coach, Review, User, utc_now


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
                f"{', 13 recordings, two calibration rounds and an audit quarter' if self.round_added else ''}.")


DEFAULT_RUBRIC_KEY = "grow-icf-core"


def demo_document() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(bundled_path("resources", "demo", "demo.json").read_text("utf-8")))


def load_demo(db: Database, actor: Actor | None, paths: AppPaths | None = None) -> DemoResult:
    """Load the demo set. Into an empty database anyone may; otherwise only an administrator. Idempotent.

    With `paths`, also thirteen recorded sessions (queued for transcription) and two calibration rounds, four
    raters and a master with realistic disagreement on 5 and 8 of them (so the statistics are not 'too unstable'
    and drift is a line), and the quarter's audit in progress with two reviews overdue.
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


NOISE = (-1, 0, 0, 0, 0, 1)  # a rater's disagreement with the master beyond their leniency, now and then
OVERDUE_ASSIGNMENTS = 2


def _demo_score(quality: int, leniency: int, rater: str, competency_index: int, recording_index: int) -> int:
    """A score: the recording's quality moved per competency, then (for a rater, not the master) by their leniency
    on about two competencies in three and by a little seeded noise, so the statistics look like a real panel's."""
    base = quality + (competency_index * 7 + recording_index) % 3 - 1
    if leniency or rater:
        base += leniency if (competency_index + recording_index) % 3 else 0
        base += random.Random(f"{rater}:{recording_index}:{competency_index}").choice(NOISE)
    return min(max(base, 1), 5)


def _load_round(db: Database, paths: AppPaths, document: dict[str, Any]) -> bool:
    """The demo recordings and two calibration rounds (the earlier one closed with a consensus, the later one
    revealed), unless the demo rounds exist already; then the quarter in progress."""
    specs = document["calibration_rounds"]
    with db.transaction() as session:
        if session.scalar(select(CalibrationRound.id).where(CalibrationRound.title == specs[-1]["title"])
                          ) is not None:
            return False
        ids = dict(session.execute(select(User.username, User.id)).all())
        coach_ids = dict(session.execute(select(Coach.employee_id, Coach.id)).all())
        names = {spec["lead"] for spec in specs} | {spec["master"] for spec in specs} | {
            name for spec in specs for name in spec["raters"]}
        people = {u.username: accounts.actor_of(u)
                  for u in session.scalars(select(User).where(User.username.in_(names)))}
    lead = people[specs[0]["lead"]]
    recordings: dict[str, tuple[int, dict[str, Any]]] = {}
    for entry in document["recordings"]:
        outcome = library.import_recording(
            db, lead, paths, bundled_path("resources", "demo", "audio", entry["file"]),
            library.RecordingInput(coach_ids[entry["coach"]], entry["coachee"],
                                   dt.date.fromisoformat(entry["session_date"])))
        recordings[entry["file"]] = (outcome.recording.id, entry)
    transcription.enqueue(db, lead, [r for r, _ in recordings.values()], TranscriptionSettings())
    rubric_id = rubrics.find_rubric_version(db, lead, DEFAULT_RUBRIC_KEY).id
    rubric = rubrics.get_rubric(db, lead, rubric_id)
    for spec in specs:
        _load_one_round(db, people, ids, spec, [recordings[file] for file in spec["recordings"]], rubric_id, rubric)
    _load_quarter(db, lead, document, rubric, dict(recordings.values()))
    return True


def _review_content(rubric: Rubric, entry: dict[str, Any], leniency: int, rater: str, recording_index: int
                    ) -> ReviewContent:
    """A complete review of a demo recording: every competency scored (the master's way for rater ""), each with a
    moment of the session as its evidence."""
    moments = entry["moments"]
    scores, evidence = {}, []
    for index, competency in enumerate(rubric.competencies):
        start, end, quote = moments[(index + recording_index) % len(moments)]
        if competency.is_gate:
            passed = (index + recording_index + (leniency if rater == "tom" else 0)) % 4 != 0
            scores[competency.id] = CompetencyScore(competency.id, gate_passed=passed)
        else:
            value = _demo_score(entry["quality"], leniency, rater, index, recording_index)
            scores[competency.id] = CompetencyScore(competency.id, score=value,
                                                    rationale="Demo rationale: what was heard at this moment.")
        tag = SUGGESTED_TAGS.get(classify(quote).stance, Tag.STRENGTH)  # what the coach did at that moment
        evidence.append(Evidence(competency.id, start, end, quote, tag.value))
    return ReviewContent(scores, tuple(evidence))


def _load_one_round(db: Database, people: dict[str, Actor], ids: dict[str, int], spec: dict[str, Any],
                    recordings: list[tuple[int, dict[str, Any]]], rubric_id: int, rubric: Rubric) -> None:
    """A round whose panel and master have scored every recording; revealed, and with `close` given a consensus
    (the master's scores) and closed."""
    lead = people[spec["lead"]]
    round_id = calibration.create_round(db, lead, spec["title"], [r for r, _ in recordings],
                                        [ids[name] for name in spec["raters"]], rubric_id,
                                        dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
                                        master_id=ids[spec["master"]], hide_identity=True)
    panel = [(spec["master"], 0), *((name, spec["leniency"][name]) for name in spec["raters"])]
    for name, leniency in panel:
        rater = people[name]
        drafts = {r.recording_id: r.id for r in reviews.list_reviews(db, rater)
                  if r.round_id == round_id and r.status == "draft"}
        for recording_index, (recording_id, entry) in enumerate(recordings):
            content = _review_content(rubric, entry, leniency, "" if name == spec["master"] else name, recording_index)
            reviews.save_draft(db, rater, drafts[recording_id], content)
            reviews.submit(db, rater, drafts[recording_id])
    calibration.reveal(db, lead, round_id)
    if spec["close"]:
        for recording_index, (recording_id, entry) in enumerate(recordings):
            master = _review_content(rubric, entry, 0, "", recording_index)  # the consensus: the master's scores
            for decided in master.scores.values():
                calibration.record_consensus(db, lead, round_id, recording_id, decided.competency_id,
                                             score=decided.score, gate_passed=decided.gate_passed)
        calibration.close_round(db, lead, round_id)
    if "held_on" in spec:
        _held_on(db, lead, round_id, dt.date.fromisoformat(spec["held_on"]))


DEMO_SHARE = Fraction(1, 4)


def _load_quarter(db: Database, lead: Actor, document: dict[str, Any], rubric: Rubric,
                  entries: dict[int, dict[str, Any]]) -> None:
    """A quarter in progress: the audit cycle of the demo sessions' quarter, its reviews assigned, one of them
    reviewed (its written feedback still to send) and two past their due date.

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
    assigned = audits.assign_cycle(db, lead, quarter.label, audits.propose_assignments(db, lead, quarter.label))
    _backdate(db, lead, [row.id for row in assigned[:OVERDUE_ASSIGNMENTS]])
    done = assigned[-1]
    with db.transaction() as session:
        user = session.get(User, done.reviewer_id)
        assert user is not None
        reviewer = accounts.actor_of(user)
    draft = reviews.start_review(db, reviewer, done.recording_id)
    reviews.save_draft(db, reviewer, draft.id, _review_content(rubric, entries[done.recording_id], 0, "", 0))
    reviews.submit(db, reviewer, draft.id)


def _held_on(db: Database, lead: Actor, round_id: int, day: dt.date) -> None:
    """An earlier round: opened two weeks before `day`, its reviews in the days before, revealed on `day` and
    closed soon after (loaded now, it would otherwise look like this week's round and come first in drift)."""
    revealed = dt.datetime.combine(day, dt.time(10, 0), dt.UTC)
    with db.transaction() as session:
        calibration = session.get(CalibrationRound, round_id)
        assert calibration is not None
        calibration.created_at = revealed - dt.timedelta(days=14)
        calibration.due_at = revealed - dt.timedelta(days=1)
        calibration.revealed_at = revealed
        if calibration.closed_at is not None:
            calibration.closed_at = revealed + dt.timedelta(days=5)
        for review in session.scalars(select(Review).where(Review.round_id == round_id)):
            review.created_at = revealed - dt.timedelta(days=12)
            review.updated_at = review.submitted_at = revealed - dt.timedelta(days=3)
        audit.record(session, lead, "demo.backdate", "calibration_round", round_id, {"revealed_on": day.isoformat()})


def _backdate(db: Database, lead: Actor, assignment_ids: list[int]) -> None:
    """A few assignments already past their due date, so the dashboard shows what overdue work looks like (the
    services refuse a due date in the past, rightly; only the demo writes one, and says so in the audit trail)."""
    with db.transaction() as session:
        for assignment in session.scalars(select(Assignment).where(Assignment.id.in_(assignment_ids))):
            assignment.due_at = utc_now() - dt.timedelta(days=3)
        audit.record(session, lead, "demo.backdate", "assignment", ",".join(map(str, assignment_ids)),
                     {"days_overdue": 3})
