"""a transcript is machine-made until a person confirms it

Revision ID: 0007_transcript_review
Revises: 0006_team_server
Create Date: 2026-12-01 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_transcript_review"
down_revision = "0006_team_server"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_transcripts_confirmed_by_id_users"), "users", ["confirmed_by_id"],
                                    ["id"])


def downgrade() -> None:
    raise NotImplementedError("Restore a backup taken before the upgrade instead.")
