"""What was typed but could not be saved, kept on this laptop so nothing is lost.

Two kinds of entry, each a review draft in the format `review save --from` reads (plus a `journal` block):
- **pending**: the server could not be reached; replayed (saved) as soon as it answers again;
- **conflict**: the draft was saved elsewhere after this editor opened it; the stored draft stays as it is, this
  version is kept here for the rater to compare and, if they choose, save over it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from supervisor_app.core.reviews import ReviewContent
from supervisor_app.errors import ServerUnreachableError, SupervisorError
from supervisor_app.files import atomic_write_text
from supervisor_app.paths import AppPaths
from supervisor_app.services import reviews
from supervisor_app.services.context import Actor
from supervisor_app.store.db import Database
from supervisor_app.store.models import utc_now

PENDING, CONFLICT = "pending", "conflict"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JournalEntry:
    path: Path
    kind: str
    review_id: int
    username: str
    base_revision: int | None
    kept_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class Replay:
    saved: tuple[int, ...]
    conflicts: tuple[JournalEntry, ...]
    still_pending: int


def document(content: ReviewContent, feedback: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"scores": [asdict(s) for s in content.scores.values()],
                               "evidence": [{k: v for k, v in asdict(e).items() if k != "id"}
                                            for e in content.evidence]}
    if feedback is not None:
        payload["feedback"] = feedback
    return payload


class Journal:
    def __init__(self, paths: AppPaths) -> None:
        self.folder = paths.journal_dir

    def keep(self, kind: str, actor: Actor, review_id: int, content: ReviewContent, feedback: str | None,
             base_revision: int | None, reason: str) -> JournalEntry:
        """Write the entry (atomically). A newer pending entry for the same draft replaces the older one."""
        self.folder.mkdir(parents=True, exist_ok=True)
        now = utc_now()
        stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
        name = (f"pending-review-{review_id}-{actor.username}.json" if kind == PENDING
                else f"conflict-review-{review_id}-{actor.username}-{stamp}.json")
        path = self.folder / name
        payload = {**document(content, feedback),
                   "journal": {"kind": kind, "review_id": review_id, "username": actor.username,
                               "base_revision": base_revision, "kept_at": now.isoformat(), "reason": reason}}
        atomic_write_text(path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return self._entry(path, payload)

    @staticmethod
    def _entry(path: Path, payload: dict[str, Any]) -> JournalEntry:
        meta = payload["journal"]
        base = meta.get("base_revision")
        return JournalEntry(path, str(meta["kind"]), int(meta["review_id"]), str(meta["username"]),
                            int(base) if isinstance(base, int) else None,
                            dt.datetime.fromisoformat(str(meta["kept_at"])), str(meta.get("reason", "")))

    def entries(self, actor: Actor, kind: str | None = None) -> list[JournalEntry]:
        found: list[JournalEntry] = []
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.glob("*.json")):
            try:
                payload = json.loads(path.read_text(encoding="utf-8"))
                entry = self._entry(path, payload)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("journal entry %s unreadable (%s); left in place", path, exc)
                continue
            if entry.username == actor.username and (kind is None or entry.kind == kind):
                found.append(entry)
        return found

    def content(self, entry: JournalEntry) -> tuple[ReviewContent, str | None]:
        payload = json.loads(entry.path.read_text(encoding="utf-8"))
        payload.pop("journal", None)
        return reviews.content_from_document(payload, f"Journal entry {entry.path.name}")

    def replay(self, db: Database, actor: Actor) -> Replay:
        """Save every pending entry of this user, oldest first. One the server meanwhile got a newer draft for
        becomes a conflict entry (both kept); one the server still cannot take stays pending."""
        saved: list[int] = []
        conflicts: list[JournalEntry] = []
        pending = 0
        for entry in self.entries(actor, PENDING):
            content, feedback = self.content(entry)
            try:
                reviews.save_draft(db, actor, entry.review_id, content, feedback, entry.base_revision)
            except ServerUnreachableError:
                pending += 1
                continue
            except SupervisorError as exc:  # a conflict, or the draft was submitted or removed meanwhile
                conflicts.append(self.keep(CONFLICT, actor, entry.review_id, content, feedback, entry.base_revision,
                                           str(exc)))
                entry.path.unlink(missing_ok=True)
                continue
            entry.path.unlink(missing_ok=True)
            saved.append(entry.review_id)
        return Replay(tuple(saved), tuple(conflicts), pending)
