"""Retention: how long each class of data is kept, and when an item falls due. Pure rules, no storage.

A recording (its audio in the store and every cache) and its transcript are kept for a window after their last
use: the newest of its import, a review of it, and the close of the audit cycle or calibration round that used it
— while such a cycle or round is still open the recording is in use and never due. A draft never submitted is
kept for a window after its last change; a submitted review's text (rationale, evidence quotes and notes,
feedback) for some years after submission, then it is anonymised and its scores stay. The audit trail is kept.
A legal hold on a coach, a recording or a round suspends all of this for what it covers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class DataClass(StrEnum):
    RECORDING = "recording"
    TRANSCRIPT = "transcript"
    DRAFT = "draft"
    REVIEW = "review"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {DataClass.RECORDING: "recording and its caches", DataClass.TRANSCRIPT: "transcript",
           DataClass.DRAFT: "draft never submitted", DataClass.REVIEW: "submitted review's text"}


class HoldTarget(StrEnum):
    COACH = "coach"
    RECORDING = "recording"
    ROUND = "round"


WINDOW_MIN_DAYS = 1
WINDOW_MAX_DAYS = 36_500


@dataclass(frozen=True)
class Policy:
    recordings_days: int = 90
    transcripts_days: int = 90
    drafts_days: int = 180
    reviews_days: int = 7 * 365

    def window(self, data_class: DataClass) -> dt.timedelta:
        days = {DataClass.RECORDING: self.recordings_days, DataClass.TRANSCRIPT: self.transcripts_days,
                DataClass.DRAFT: self.drafts_days, DataClass.REVIEW: self.reviews_days}[data_class]
        return dt.timedelta(days=days)

    @property
    def shortest(self) -> dt.timedelta:
        return min(self.window(c) for c in DataClass)

    def as_json(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: Mapping[str, Any] | None) -> Policy:
        """The stored policy; unknown keys are ignored and missing ones take the default."""
        defaults = cls()
        if not isinstance(value, Mapping):
            return defaults
        fields = {name: value.get(name, getattr(defaults, name)) for name in defaults.as_json()}
        return cls(**{k: int(v) if isinstance(v, int) and not isinstance(v, bool) else getattr(defaults, k)
                      for k, v in fields.items()})

    def problems(self) -> list[str]:
        return [f"{name.replace('_days', '')}: keep for {WINDOW_MIN_DAYS}–{WINDOW_MAX_DAYS:,} days, not {value}"
                for name, value in self.as_json().items() if not WINDOW_MIN_DAYS <= value <= WINDOW_MAX_DAYS]


@dataclass(frozen=True)
class Usage:
    """What a recording's last use was: the times that count, and whether something using it is still open."""

    imported_at: dt.datetime
    uses: tuple[dt.datetime, ...] = ()
    in_use_by: str = ""

    def last(self) -> dt.datetime:
        return max((self.imported_at, *self.uses))


def due_since(last_use: dt.datetime, window: dt.timedelta, now: dt.datetime) -> dt.datetime | None:
    """When the item fell due (last use + window), or None while it is still within its window."""
    due = last_use + window
    return due if due <= now else None
