"""Settings every laptop of a program must agree on, kept in the database (not in each laptop's settings file):
the secret behind coach pseudonyms in HR exports, and the rule that calls a rater calibrated.

An installation that kept them in its settings file moves them here the first time it opens the database
(`adopt_local`), so pseudonyms already sent to HR stay the same.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from supervisor_app.core.agreement import CalibrationRule
from supervisor_app.core.roles import Permission
from supervisor_app.errors import AccessDeniedByServerError
from supervisor_app.services.context import Actor, require
from supervisor_app.settings import SettingKey, Settings
from supervisor_app.store.db import Database
from supervisor_app.store.models import ProgramSetting

DEFAULT_RULE = CalibrationRule(0.8, True)


class ProgramKey(StrEnum):
    PSEUDONYM_KEY = "pseudonym_key"
    CALIBRATION_RULE = "calibration_rule"


def _insert_if_missing(session: Session, key: ProgramKey, value: Any, actor: Actor | None) -> Any:
    """Store the value unless another laptop stored one first; return the stored value either way."""
    try:
        with session.begin_nested():
            session.add(ProgramSetting(key=key.value, value=value, updated_by_id=actor.user_id if actor else None))
    except IntegrityError:
        pass
    stored = session.get(ProgramSetting, key.value, populate_existing=True)
    assert stored is not None
    return stored.value


def _rule_from(value: object) -> CalibrationRule:
    values = value if isinstance(value, dict) else {}
    share, gates = values.get("within_one_share", DEFAULT_RULE.within_one_share), values.get(
        "same_gate_decisions", DEFAULT_RULE.same_gate_decisions)
    return CalibrationRule(float(share) if isinstance(share, int | float) else DEFAULT_RULE.within_one_share,
                           bool(gates))


def calibration_rule(db: Database) -> CalibrationRule:
    """The rater-calibration rule (default: 80 % of scores within ±1 of the master and every gate the same)."""
    with db.transaction() as session:
        stored = session.get(ProgramSetting, ProgramKey.CALIBRATION_RULE.value)
        return DEFAULT_RULE if stored is None else _rule_from(stored.value)


def pseudonym_key(db: Database, actor: Actor) -> str:
    """The secret behind coach pseudonyms in exports: made once for the whole program, on first use."""
    require(actor, Permission.EXPORT_AGGREGATES)
    with db.transaction() as session:
        stored = session.get(ProgramSetting, ProgramKey.PSEUDONYM_KEY.value)
        if stored is not None and isinstance(stored.value, str):
            return stored.value
        return str(_insert_if_missing(session, ProgramKey.PSEUDONYM_KEY, secrets.token_hex(32), actor))


def adopt_local(db: Database, settings: Settings) -> list[str]:
    """Move the values an older version kept in this laptop's settings file into the database, where the
    database has none yet (the first laptop to open it wins; the others' local values are dropped, since the
    program must use one). Returns the keys adopted."""
    adopted = []
    moves = ((SettingKey.PSEUDONYM_KEY, ProgramKey.PSEUDONYM_KEY), (SettingKey.CALIBRATION_RULE,
                                                                    ProgramKey.CALIBRATION_RULE))
    for local_key, key in moves:
        local = settings.get(local_key)
        if local is None or (key is ProgramKey.CALIBRATION_RULE and _rule_from(local) == DEFAULT_RULE):
            continue
        try:
            with db.transaction() as session:
                if session.get(ProgramSetting, key.value) is None:
                    _insert_if_missing(session, key, local, None)
                    adopted.append(key.value)
        except AccessDeniedByServerError:
            continue  # this login may not set it; a lead's laptop will
        settings.set(local_key, None)
    return adopted
