"""calibration rounds

Revision ID: 0004_calibration
Revises: 0003_reviews
Create Date: 2026-11-30 04:21:45.908709
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_calibration"
down_revision = "0003_reviews"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calibration_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("rubric_version_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("master_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hide_identity", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reveal_reason", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["lead_id"], ["users.id"], name=op.f("fk_calibration_rounds_lead_id_users")),
        sa.ForeignKeyConstraint(["master_id"], ["users.id"], name=op.f("fk_calibration_rounds_master_id_users")),
        sa.ForeignKeyConstraint(
            ["rubric_version_id"],
            ["rubric_versions.id"],
            name=op.f("fk_calibration_rounds_rubric_version_id_rubric_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_rounds")),
    )
    with op.batch_alter_table("calibration_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calibration_rounds_status"), ["status"], unique=False)

    op.create_table(
        "round_consensus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("gate_passed", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_round_consensus_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_round_consensus_recording_id_recordings")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["calibration_rounds.id"],
            name=op.f("fk_round_consensus_round_id_calibration_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_consensus")),
        sa.UniqueConstraint("round_id", "recording_id", "competency_id", name="uq_round_consensus_item"),
    )
    with op.batch_alter_table("round_consensus", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_consensus_round_id"), ["round_id"], unique=False)

    op.create_table(
        "round_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("competency_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_round_notes_author_id_users")),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_round_notes_recording_id_recordings")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["calibration_rounds.id"],
            name=op.f("fk_round_notes_round_id_calibration_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_notes")),
    )
    with op.batch_alter_table("round_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_notes_round_id"), ["round_id"], unique=False)

    op.create_table(
        "round_raters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["rater_id"], ["users.id"], name=op.f("fk_round_raters_rater_id_users")),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["calibration_rounds.id"],
            name=op.f("fk_round_raters_round_id_calibration_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_raters")),
        sa.UniqueConstraint("round_id", "rater_id", name="uq_round_raters_round_rater"),
    )
    with op.batch_alter_table("round_raters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_raters_round_id"), ["round_id"], unique=False)

    op.create_table(
        "round_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_round_recordings_recording_id_recordings")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["calibration_rounds.id"],
            name=op.f("fk_round_recordings_round_id_calibration_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_recordings")),
        sa.UniqueConstraint("round_id", "code", name="uq_round_recordings_round_code"),
        sa.UniqueConstraint("round_id", "recording_id", name="uq_round_recordings_round_recording"),
    )
    with op.batch_alter_table("round_recordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_recordings_round_id"), ["round_id"], unique=False)

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_reviews_round_id"), ["round_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_reviews_round_id_calibration_rounds"), "calibration_rounds", ["round_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reviews_round_id_calibration_rounds"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_reviews_round_id"))
        batch_op.drop_column("round_id")

    with op.batch_alter_table("round_recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_recordings_round_id"))

    op.drop_table("round_recordings")
    with op.batch_alter_table("round_raters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_raters_round_id"))

    op.drop_table("round_raters")
    with op.batch_alter_table("round_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_notes_round_id"))

    op.drop_table("round_notes")
    with op.batch_alter_table("round_consensus", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_consensus_round_id"))

    op.drop_table("round_consensus")
    with op.batch_alter_table("calibration_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calibration_rounds_status"))

    op.drop_table("calibration_rounds")
