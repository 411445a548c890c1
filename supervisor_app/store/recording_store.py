"""Where a recording's bytes live. On one laptop: a file in the data folder, named by its SHA-256. On a team
server: 1 MiB chunks in PostgreSQL (so one pg_dump backs up everything), with the laptop's folder as a verified
cache. Both stream: nothing here holds more than one chunk of a recording in memory."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from supervisor_app.errors import DatabaseError, NotFoundError, ServerUnreachableError, SupervisorError
from supervisor_app.store.db import Database
from supervisor_app.store.models import Recording, RecordingBlob, RecordingChunk, utc_now

CHUNK_BYTES = 1 << 20
RETRIES = 5  # a dropped connection during a transfer is retried this often (the pool reconnects), then reported
FETCH_PREFIX = ".fetching-"
ABANDONED_AFTER = dt.timedelta(days=2)

log = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[float], None]
Cancelled = Callable[[], bool]


def _retrying(what: str, step: Callable[[], T]) -> T:
    """Run one idempotent step, again after a dropped connection (each attempt is its own transaction)."""
    for attempt in range(1, RETRIES + 1):
        try:
            return step()
        except ServerUnreachableError as exc:
            if attempt == RETRIES:
                raise ServerUnreachableError(f"The team server stopped answering while {what}; what was sent so "
                                             "far is kept, so trying again resumes from there.") from exc
            log.warning("connection lost while %s (attempt %d): %s", what, attempt, exc)
            time.sleep(min(0.2 * 2 ** attempt, 5.0))
    raise AssertionError("unreachable")


def fsync_dir(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class RecordingStore:
    """The recordings of one database, seen from one data folder (`folder`: the store, or on a server its cache)."""

    def __init__(self, db: Database, folder: Path) -> None:
        self.db = db
        self.folder = folder

    @property
    def shared(self) -> bool:
        return not self.db.is_sqlite

    def path(self, stored_name: str) -> Path:
        return self.folder / stored_name

    def upload(self, file: Path, sha256: str, on_progress: Progress | None = None,
               is_cancelled: Cancelled | None = None) -> None:
        """On a server: send the file's chunks that the server lacks (a second attempt resumes). Not yet usable:
        `place` marks it complete together with the recording's row."""
        if not self.shared:
            return
        size = file.stat().st_size
        count = max(1, -(-size // CHUNK_BYTES))

        def announce() -> set[int]:
            with self.db.transaction() as session:
                session.execute(pg_insert(RecordingBlob).values(
                    sha256=sha256, size_bytes=size, chunk_bytes=CHUNK_BYTES, chunk_count=count, complete=False,
                ).on_conflict_do_nothing())
                return set(session.scalars(select(RecordingChunk.idx).where(RecordingChunk.sha256 == sha256)))

        present = _retrying("preparing the upload", announce)
        with open(file, "rb") as reader:
            for idx in range(count):
                if is_cancelled and is_cancelled():
                    raise SupervisorError("Upload cancelled; what was sent is kept and a new import resumes it.")
                if idx not in present:
                    reader.seek(idx * CHUNK_BYTES)
                    data = reader.read(CHUNK_BYTES)
                    _retrying(f"sending part {idx + 1} of {count}", functools.partial(
                        self._put_chunk, sha256, idx, data))
                if on_progress:
                    on_progress((idx + 1) / count)

    def _put_chunk(self, sha256: str, idx: int, data: bytes) -> None:
        with self.db.transaction() as session:
            session.execute(pg_insert(RecordingChunk).values(sha256=sha256, idx=idx, data=data)
                            .on_conflict_do_nothing())

    def place(self, session: Session, temp: Path, sha256: str, stored_name: str) -> bool:
        """Inside the recording row's transaction: make the bytes usable (server: check every chunk is there and
        mark the blob complete; both: move the private copy into the folder). True if the file is new here."""
        if self.shared:
            blob = session.get(RecordingBlob, sha256, with_for_update=True)
            if blob is None:
                raise DatabaseError("The recording's upload is missing on the server; import it again.")
            stored = session.execute(select(func.count(), func.coalesce(func.sum(func.length(RecordingChunk.data)), 0))
                                     .where(RecordingChunk.sha256 == sha256)).one()
            if (stored[0], stored[1]) != (blob.chunk_count, blob.size_bytes):
                raise DatabaseError(f"The server holds {stored[0]} of {blob.chunk_count} parts of the recording "
                                    f"({stored[1]:,} bytes); import it again to send the rest.")
            blob.complete = True
        final = self.path(stored_name)
        final.parent.mkdir(parents=True, exist_ok=True)
        new = not final.exists()
        os.replace(temp, final)
        fsync_dir(final.parent)
        return new

    def local_file(self, sha256: str, stored_name: str, on_progress: Progress | None = None,
                   is_cancelled: Cancelled | None = None) -> Path:
        """A readable local file of the recording: on a server, fetched into the cache (verified against its
        SHA-256) the first time it is opened on this laptop."""
        final = self.path(stored_name)
        if final.is_file() or not self.shared:
            return final
        with self.db.transaction() as session:
            blob = session.get(RecordingBlob, sha256)
            if blob is None or not blob.complete:
                raise NotFoundError("The team server does not hold this recording's audio (or you may not read "
                                    "it); ask whoever imported it to import it again.")
            count = blob.chunk_count
        final.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=final.parent, prefix=FETCH_PREFIX)
        temp = Path(temp_name)
        digest = hashlib.sha256()
        try:
            with os.fdopen(handle, "wb") as writer:
                for idx in range(count):
                    if is_cancelled and is_cancelled():
                        raise SupervisorError("Download cancelled.")
                    data = _retrying(f"fetching part {idx + 1} of {count}",
                                     functools.partial(self._get_chunk, sha256, idx))
                    digest.update(data)
                    writer.write(data)
                    if on_progress:
                        on_progress((idx + 1) / count)
                writer.flush()
                os.fsync(writer.fileno())
            if digest.hexdigest() != sha256:
                raise DatabaseError("The recording fetched from the team server does not match its fingerprint "
                                    "(SHA-256); nothing was kept. Ask the administrator to check the server.")
            os.replace(temp, final)
            fsync_dir(final.parent)
        finally:
            temp.unlink(missing_ok=True)
        return final

    def _get_chunk(self, sha256: str, idx: int) -> bytes:
        with self.db.transaction() as session:
            data = session.scalar(select(RecordingChunk.data).where(RecordingChunk.sha256 == sha256,
                                                                    RecordingChunk.idx == idx))
        if data is None:
            raise DatabaseError(f"Part {idx + 1} of the recording is missing on the team server.")
        return bytes(data)

    def sweep_abandoned(self, session: Session) -> int:
        """On a server: drop uploads that were never completed and no recording uses, once they are older than
        any upload could take (a laptop that gave up, and never imported the file again)."""
        if not self.shared:
            return 0
        cutoff = utc_now() - ABANDONED_AFTER
        result = session.execute(delete(RecordingBlob).where(
            RecordingBlob.complete.is_(False), RecordingBlob.created_at < cutoff,
            ~select(Recording.id).where(Recording.sha256 == RecordingBlob.sha256).exists()))
        return int(getattr(result, "rowcount", 0) or 0)

    def forget(self, session: Session, sha256: str) -> None:
        """Inside the row's removal: drop the server's copy (the local file goes after the commit)."""
        if self.shared:
            session.execute(delete(RecordingBlob).where(RecordingBlob.sha256 == sha256))
