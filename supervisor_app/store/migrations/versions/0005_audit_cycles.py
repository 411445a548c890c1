"""audit cycles and assignments

Revision ID: 0005_audit_cycles
Revises: 0004_calibration
Create Date: 2026-12-01 10:21:21.385870
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_audit_cycles"
down_revision = "0004_calibration"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("share_numerator", sa.Integer(), nullable=False),
        sa.Column("share_denominator", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("stratify", sa.String(length=40), nullable=False),
        sa.Column("prioritise_unaudited", sa.Boolean(), nullable=False),
        sa.Column("independent", sa.Boolean(), nullable=False),
        sa.Column("frame", sa.JSON(), nullable=False),
        sa.Column("frame_sha256", sa.String(length=64), nullable=False),
        sa.Column("rubric_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["opened_by_id"], ["users.id"], name=op.f("fk_audit_cycles_opened_by_id_users")),
        sa.ForeignKeyConstraint(
            ["rubric_version_id"],
            ["rubric_versions.id"],
            name=op.f("fk_audit_cycles_rubric_version_id_rubric_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_cycles")),
        sa.UniqueConstraint("quarter", name=op.f("uq_audit_cycles_quarter")),
    )
    op.create_table(
        "audit_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("recording_due_on", sa.Date(), nullable=True),
        sa.Column("excused_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["coach_id"], ["coaches.id"], name=op.f("fk_audit_samples_coach_id_coaches")),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["audit_cycles.id"], name=op.f("fk_audit_samples_cycle_id_audit_cycles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_audit_samples_recording_id_recordings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_samples")),
        sa.UniqueConstraint("cycle_id", "coach_id", name="uq_audit_samples_cycle_coach"),
    )
    with op.batch_alter_table("audit_samples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_samples_cycle_id"), ["cycle_id"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("rubric_version_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("double_scored", sa.Boolean(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_assignments_created_by_id_users")),
        sa.ForeignKeyConstraint(["cycle_id"], ["audit_cycles.id"], name=op.f("fk_assignments_cycle_id_audit_cycles")),
        sa.ForeignKeyConstraint(
            ["previous_id"], ["assignments.id"], name=op.f("fk_assignments_previous_id_assignments")
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_assignments_recording_id_recordings")
        ),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], name=op.f("fk_assignments_review_id_reviews")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_assignments_reviewer_id_users")),
        sa.ForeignKeyConstraint(
            ["rubric_version_id"], ["rubric_versions.id"], name=op.f("fk_assignments_rubric_version_id_rubric_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_recording_id"), ["recording_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_reviewer_id"), ["reviewer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_state"), ["state"], unique=False)

    op.create_table(
        "supervision_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_supervision_sessions_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], name=op.f("fk_supervision_sessions_review_id_reviews")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_sessions")),
        sa.UniqueConstraint("review_id", name=op.f("uq_supervision_sessions_review_id")),
    )
    with op.batch_alter_table("coaches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_coaches_user_id_users"), "users", ["user_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("coaches", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_coaches_user_id_users"), type_="foreignkey")
        batch_op.drop_column("user_id")

    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_state"))
        batch_op.drop_index(batch_op.f("ix_assignments_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_recording_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_cycle_id"))

    op.drop_table("supervision_sessions")
    op.drop_table("assignments")
    with op.batch_alter_table("audit_samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_samples_cycle_id"))

    op.drop_table("audit_samples")
    op.drop_table("audit_cycles")
