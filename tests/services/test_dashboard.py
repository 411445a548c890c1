"""The supervision dashboard on a constructed data set, checked number by number."""

from __future__ import annotations

import datetime as dt

import pytest

from supervisor_app.errors import ConflictError, ValidationError
from supervisor_app.services import audits, dashboard
from supervisor_app.store.db import Database
from supervisor_app.store.models import Assignment, Review
from tests.conftest import login
from tests.services.test_audits import QUARTER, _ids, recorded, submit_first_assignment  # noqa: F401 - the fixture


def test_every_tile_from_a_constructed_quarter(recorded: Database) -> None:  # noqa: F811
    maria = login(recorded, "maria")
    audits.create_cycle(recorded, maria, QUARTER, share="0.5", seed=3)
    aisha, tom = _ids(recorded, "Aisha Okafor", "Tom Berg")
    audits.assign_cycle(recorded, maria, QUARTER, audits.propose_assignments(recorded, maria, QUARTER, [aisha, tom]))
    board = dashboard.dashboard(recorded, maria, dt.date(2026, 12, 1))
    assert board.quarter == "2026-Q4"
    coverage = board.tile("coverage")
    assert (coverage.value, coverage.note) == ("0 of 11 reviewed (0%)", "6 drawn, 6 assigned")
    assert board.tile("coverage").status == dashboard.WARN
    review_id = submit_first_assignment(recorded, "tom")
    with recorded.transaction() as session:
        waiting = [a for a in audits.list_assignments(recorded, maria, QUARTER) if a.state == audits.ASSIGNED]
        late = session.get(Assignment, waiting[0].id)
        assert late is not None
        late.due_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        submitted = session.get(Review, review_id)
        assert submitted is not None
        submitted.submitted_at = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
        submitted.feedback_due_at = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    board = dashboard.dashboard(recorded, maria, dt.date(2026, 12, 1))
    assert board.tile("coverage").value == "1 of 11 reviewed (9%)"
    assert board.tile("reviews_overdue").value == "1"
    assert board.tile("feedback_overdue").value == "1"
    assert board.tile("one_to_ones").value == "1 due, 1 late"
    coach = board.tile("below_standard").rows
    assert len(coach) == 1
    assert coach[0][1] == "Listens actively"
    assert board.tile("recertification").value == "5 due or overdue"
    assert dict(board.tile("supervision_ratio").rows) == {"Maria Lopez": "6", "James Chen": "5"}
    assert board.tile("supervision_ratio").value == "2 outside 8–15"
    with pytest.raises(ValidationError, match="before the review was submitted"):
        dashboard.record_one_to_one(recorded, maria, review_id, dt.date(2026, 11, 1))
    dashboard.record_one_to_one(recorded, maria, review_id, dt.date(2026, 11, 24), "Talked about trust")
    with pytest.raises(ConflictError, match="already recorded"):
        dashboard.record_one_to_one(recorded, maria, review_id, dt.date(2026, 11, 25))
    assert dashboard.dashboard(recorded, maria, dt.date(2026, 12, 1)).tile("one_to_ones").value == "0 due, 0 late"


def test_no_cycle_is_an_alert(recorded: Database) -> None:  # noqa: F811
    board = dashboard.dashboard(recorded, login(recorded, "maria"), dt.date(2026, 12, 1))
    assert (board.tile("coverage").value, board.tile("coverage").status) == ("no cycle", dashboard.ALERT)
