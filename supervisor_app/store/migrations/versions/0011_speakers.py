"""speaker attribution: the expected number of speakers per recording, overlapped speech per segment, the voices
found in each transcript, and each coach's remembered voice (both staff only on PostgreSQL)

Revision ID: 0011_speakers
Revises: 0010_practice_rubric_editor
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_speakers"
down_revision = "0010_practice_rubric_editor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN, not a batch copy: on SQLite a copied transcript_segments would lose its search triggers
    op.add_column("recordings", sa.Column("speakers", sa.Integer(), nullable=False, server_default="2"))
    op.add_column("transcript_segments", sa.Column("overlap", sa.Boolean(), nullable=False,
                                                   server_default=sa.false()))
    op.create_table(
        "transcript_voices",
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("voices", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["transcript_id"], ["transcripts.id"],
                                name=op.f("fk_transcript_voices_transcript_id_transcripts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("transcript_id", name=op.f("pk_transcript_voices")),
    )
    op.create_table(
        "coach_voices",
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("voice", sa.JSON(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["coach_id"], ["coaches.id"], name=op.f("fk_coach_voices_coach_id_coaches"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"],
                                name=op.f("fk_coach_voices_recording_id_recordings"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_coach_voices_updated_by_id_users")),
        sa.PrimaryKeyConstraint("coach_id", name=op.f("pk_coach_voices")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # a voice is staff's business: raters get no grant at all
        quote = bind.dialect.identifier_preparer.quote
        database = bind.exec_driver_sql("SELECT current_database()").scalar_one()
        staff = ", ".join(quote(f"{database}_{role}") for role in ("admin", "supervisor"))
        for table in ("coach_voices", "transcript_voices"):
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {staff}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_staff ON {table} FOR ALL USING (cs_is_staff()) "
                       "WITH CHECK (cs_is_staff())")


def downgrade() -> None:
    raise NotImplementedError("Restore a backup taken before the upgrade instead.")
