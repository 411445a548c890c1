"""reviews, scores and evidence

Revision ID: 0003_reviews
Revises: 0002_library
Create Date: 2026-11-30 03:47:25.389054
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_reviews"
down_revision = "0002_library"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("rubric_version_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("amendment_reason", sa.Text(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["rater_id"], ["users.id"], name=op.f("fk_reviews_rater_id_users")),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"], name=op.f("fk_reviews_recording_id_recordings")),
        sa.ForeignKeyConstraint(
            ["rubric_version_id"], ["rubric_versions.id"], name=op.f("fk_reviews_rubric_version_id_rubric_versions")
        ),
        sa.ForeignKeyConstraint(["supersedes_id"], ["reviews.id"], name=op.f("fk_reviews_supersedes_id_reviews")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_rater_id"), ["rater_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_recording_id"), ["recording_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_status"), ["status"], unique=False)

    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_evidence_items_review_id_reviews"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_items")),
    )
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_items_review_id"), ["review_id"], unique=False)

    op.create_table(
        "review_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("gate_passed", sa.Boolean(), nullable=True),
        sa.Column("not_observed", sa.Boolean(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_scores_review_id_reviews"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_scores")),
        sa.UniqueConstraint("review_id", "competency_id", name="uq_review_scores_review_competency"),
    )
    with op.batch_alter_table("review_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_scores_review_id"), ["review_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_scores_review_id"))

    op.drop_table("review_scores")
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_items_review_id"))

    op.drop_table("evidence_items")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_status"))
        batch_op.drop_index(batch_op.f("ix_reviews_recording_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_rater_id"))

    op.drop_table("reviews")
