"""recording library and transcripts

Revision ID: 0002_library
Revises: 0001_foundation
Create Date: 2026-11-30 03:01:12.122445
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_library"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=500), nullable=False),
        sa.Column("stored_name", sa.String(length=200), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("container", sa.String(length=100), nullable=False),
        sa.Column("codec", sa.String(length=100), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("has_video", sa.Boolean(), nullable=False),
        sa.Column("damage_note", sa.Text(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("coachee_pseudonym", sa.String(length=100), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["coach_id"], ["coaches.id"], name=op.f("fk_recordings_coach_id_coaches")),
        sa.ForeignKeyConstraint(["imported_by_id"], ["users.id"], name=op.f("fk_recordings_imported_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("sha256", name=op.f("uq_recordings_sha256")),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recordings_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordings_coachee_pseudonym"), ["coachee_pseudonym"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordings_session_date"), ["session_date"], unique=False)

    op.create_table(
        "transcription_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress_s", sa.Float(), nullable=False),
        sa.Column("resumed_from_s", sa.Float(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker_pid", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_transcription_jobs_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_transcription_jobs_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcription_jobs")),
    )
    with op.batch_alter_table("transcription_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transcription_jobs_recording_id"), ["recording_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transcription_jobs_status"), ["status"], unique=False)

    op.create_table(
        "transcripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("model_name", sa.String(length=200), nullable=False),
        sa.Column("model_sha256", sa.String(length=64), nullable=False),
        sa.Column("engine_version", sa.String(length=50), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("language_probability", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_transcripts_recording_id_recordings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcripts")),
        sa.UniqueConstraint("recording_id", name=op.f("uq_transcripts_recording_id")),
    )
    op.create_table(
        "transcript_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("speaker", sa.String(length=64), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("avg_logprob", sa.Float(), nullable=False),
        sa.Column("no_speech_prob", sa.Float(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_transcript_segments_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_segments")),
        sa.UniqueConstraint("transcript_id", "idx", name="uq_transcript_segments_transcript_idx"),
    )
    with op.batch_alter_table("transcript_segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transcript_segments_transcript_id"), ["transcript_id"], unique=False)

    op.create_table(
        "transcript_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["transcript_segments.id"],
            name=op.f("fk_transcript_edits_segment_id_transcript_segments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_transcript_edits_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_edits")),
    )
    with op.batch_alter_table("transcript_edits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transcript_edits_segment_id"), ["segment_id"], unique=False)

    _create_search_index()


FTS_TABLE = "segment_fts"


def _create_search_index() -> None:
    """SQLite: an FTS5 index over segment text, kept in step by triggers. PostgreSQL searches with ILIKE."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(text, content='transcript_segments', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        f"CREATE TRIGGER segment_fts_insert AFTER INSERT ON transcript_segments BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END"
    )
    op.execute(
        f"CREATE TRIGGER segment_fts_delete AFTER DELETE ON transcript_segments BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text); END"
    )
    op.execute(
        f"CREATE TRIGGER segment_fts_update AFTER UPDATE OF text ON transcript_segments BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text); "
        f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("segment_fts_insert", "segment_fts_delete", "segment_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    with op.batch_alter_table("transcript_edits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcript_edits_segment_id"))

    op.drop_table("transcript_edits")
    with op.batch_alter_table("transcript_segments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcript_segments_transcript_id"))

    op.drop_table("transcript_segments")
    op.drop_table("transcripts")
    with op.batch_alter_table("transcription_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcription_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_transcription_jobs_recording_id"))

    op.drop_table("transcription_jobs")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recordings_session_date"))
        batch_op.drop_index(batch_op.f("ix_recordings_coachee_pseudonym"))
        batch_op.drop_index(batch_op.f("ix_recordings_coach_id"))

    op.drop_table("recordings")
