"""What other laptops change, as they commit: PostgreSQL LISTEN/NOTIFY.

Triggers installed by migration 0006_team_server send `{"table", "op", "id"}` on the `cs_changes` channel after
every change to recordings, transcripts, jobs, reviews, assignments, rounds and audit cycles; the server delivers
them when the writing transaction commits (never for a rollback). A `ChangeFeed` holds one connection that
listens; `poll()` returns what arrived, without touching any table. SQLite has no other writers to hear about:
its feed is always empty.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from supervisor_app.store.db import Database

CHANNEL = "cs_changes"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    table: str
    op: str
    id: int | None


def _parse(payload: str) -> Change | None:
    try:
        values = json.loads(payload)
        return Change(str(values["table"]), str(values["op"]), int(values["id"]) if values.get("id") else None)
    except (ValueError, KeyError, TypeError):
        log.warning("ignoring a change notice that is not ours: %r", payload[:200])
        return None


class ChangeFeed:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._connection: Connection | None = None
        self.connected = db.is_sqlite

    @property
    def shared(self) -> bool:
        return not self._db.is_sqlite

    def _listen(self) -> Any:
        if self._connection is None:
            connection = self._db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql(f"LISTEN {CHANNEL}")
            self._connection = connection
        return self._connection.connection.dbapi_connection

    def poll(self, timeout_s: float = 0.0) -> list[Change]:
        """The changes that arrived (waiting up to `timeout_s` for the first). A lost connection sets
        `connected` to False and is tried again at the next poll; changes made meanwhile are not replayed, so a
        caller that sees `connected` come back refreshes what it shows."""
        if not self.shared:
            return []
        try:
            raw = self._listen()
            notices = list(raw.notifies(timeout=timeout_s, stop_after=1)) if timeout_s else []
            notices.extend(raw.notifies(timeout=0))
            changes = [change for notice in notices if (change := _parse(notice.payload)) is not None]
        except Exception as exc:  # noqa: BLE001 - any failure of the socket or server means "away"
            if self.connected:
                log.warning("change feed lost its connection: %s", exc)
            self.connected = False
            self.close()
            return []
        self.connected = True
        return changes

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                log.debug("closing the change feed's connection failed", exc_info=True)
            self._connection = None
