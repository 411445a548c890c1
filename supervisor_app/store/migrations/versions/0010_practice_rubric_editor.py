"""gold standards and practice reviews; rubric versions saved from the editor (based on, change note)

Revision ID: 0010_practice_rubric_editor
Revises: 0009_governance
Create Date: 2026-12-01 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_practice_rubric_editor"
down_revision = "0009_governance"
branch_labels = None
depends_on = None

# the HR views of 0006, now without practice reviews (they never enter audit figures)
HR_VIEWS = """
CREATE OR REPLACE VIEW hr_competency_scores WITH (security_barrier) AS
SELECT c.id AS coach_id, c.name AS coach_name, c.level, c.business_unit, s.competency_id,
       to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-"Q"Q') AS quarter,
       count(s.score) AS scored, avg(s.score)::float AS mean_score,
       count(*) FILTER (WHERE s.gate_passed) AS gates_passed, count(s.gate_passed) AS gate_decisions
  FROM review_scores s
  JOIN reviews r ON r.id = s.review_id
  JOIN recordings rec ON rec.id = r.recording_id
  JOIN coaches c ON c.id = rec.coach_id
  LEFT JOIN calibration_rounds cr ON cr.id = r.round_id
 WHERE r.status = 'submitted' AND (cr.id IS NULL OR cr.status <> 'open') AND NOT s.not_observed
   AND r.gold_standard_id IS NULL
 GROUP BY c.id, c.name, c.level, c.business_unit, s.competency_id, quarter;

CREATE OR REPLACE VIEW hr_review_counts WITH (security_barrier) AS
SELECT c.id AS coach_id, c.name AS coach_name, c.level, c.business_unit,
       to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-"Q"Q') AS quarter, count(*) AS submitted_reviews
  FROM reviews r
  JOIN recordings rec ON rec.id = r.recording_id
  JOIN coaches c ON c.id = rec.coach_id
  LEFT JOIN calibration_rounds cr ON cr.id = r.round_id
 WHERE r.status = 'submitted' AND (cr.id IS NULL OR cr.status <> 'open') AND r.gold_standard_id IS NULL
 GROUP BY c.id, c.name, c.level, c.business_unit, quarter;
"""

# the gold's scores and evidence: staff, and a rater once they have submitted a practice review against it
GOLD_POLICIES = """
CREATE FUNCTION cs_practised(wanted integer) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT AS $$
  SELECT EXISTS (SELECT 1 FROM reviews WHERE gold_standard_id = wanted AND rater_id = cs_user_id()
                                        AND status <> 'draft')
$$;
ALTER TABLE gold_standards ENABLE ROW LEVEL SECURITY;
CREATE POLICY gold_standards_staff ON gold_standards FOR ALL USING (cs_is_staff()) WITH CHECK (cs_is_staff());
CREATE POLICY gold_standards_read ON gold_standards FOR SELECT USING (withdrawn_at IS NULL OR cs_practised(id));
ALTER TABLE gold_scores ENABLE ROW LEVEL SECURITY;
CREATE POLICY gold_scores_staff ON gold_scores FOR ALL USING (cs_is_staff()) WITH CHECK (cs_is_staff());
CREATE POLICY gold_scores_read ON gold_scores FOR SELECT USING (cs_practised(gold_id));
ALTER TABLE gold_evidence ENABLE ROW LEVEL SECURITY;
CREATE POLICY gold_evidence_staff ON gold_evidence FOR ALL USING (cs_is_staff()) WITH CHECK (cs_is_staff());
CREATE POLICY gold_evidence_read ON gold_evidence FOR SELECT USING (cs_practised(gold_id));
ALTER TABLE practice_credits ENABLE ROW LEVEL SECURITY;
CREATE POLICY practice_credits_staff ON practice_credits FOR ALL USING (cs_is_staff()) WITH CHECK (cs_is_staff());
CREATE POLICY practice_credits_read ON practice_credits FOR SELECT
  USING (EXISTS (SELECT 1 FROM reviews r WHERE r.id = review_id AND r.rater_id = cs_user_id()));
"""


def upgrade() -> None:
    op.create_table(
        "gold_standards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("rubric_version_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("tolerance", sa.Integer(), nullable=False),
        sa.Column("marked_by_id", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["marked_by_id"], ["users.id"], name=op.f("fk_gold_standards_marked_by_id_users")),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"],
                                name=op.f("fk_gold_standards_recording_id_recordings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["calibration_rounds.id"],
                                name=op.f("fk_gold_standards_round_id_calibration_rounds")),
        sa.ForeignKeyConstraint(["rubric_version_id"], ["rubric_versions.id"],
                                name=op.f("fk_gold_standards_rubric_version_id_rubric_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gold_standards")),
    )
    with op.batch_alter_table("gold_standards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gold_standards_recording_id"), ["recording_id"], unique=False)
    op.create_table(
        "gold_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gold_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("gate_passed", sa.Boolean(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["gold_id"], ["gold_standards.id"], name=op.f("fk_gold_scores_gold_id_gold_standards"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gold_scores")),
        sa.UniqueConstraint("gold_id", "competency_id", name="uq_gold_scores_gold_competency"),
    )
    with op.batch_alter_table("gold_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gold_scores_gold_id"), ["gold_id"], unique=False)
    op.create_table(
        "gold_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gold_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.String(length=64), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["gold_id"], ["gold_standards.id"],
                                name=op.f("fk_gold_evidence_gold_id_gold_standards"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gold_evidence")),
    )
    with op.batch_alter_table("gold_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gold_evidence_gold_id"), ["gold_id"], unique=False)
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gold_standard_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_reviews_gold_standard_id"), ["gold_standard_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_reviews_gold_standard_id_gold_standards"), "gold_standards",
                                    ["gold_standard_id"], ["id"])
    op.create_table(
        "practice_credits",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_practice_credits_decided_by_id_users")),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], name=op.f("fk_practice_credits_review_id_reviews"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("review_id", name=op.f("pk_practice_credits")),
    )
    with op.batch_alter_table("rubric_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("based_on_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("change_note", sa.Text(), nullable=False, server_default=""))
        batch_op.create_foreign_key(batch_op.f("fk_rubric_versions_based_on_id_rubric_versions"), "rubric_versions",
                                    ["based_on_id"], ["id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        quote = bind.dialect.identifier_preparer.quote
        database = bind.exec_driver_sql("SELECT current_database()").scalar_one()
        staff = ", ".join(quote(f"{database}_{role}") for role in ("admin", "supervisor"))
        rater = quote(f"{database}_rater")
        tables = "gold_standards, gold_scores, gold_evidence, practice_credits"
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {staff}")
        op.execute(f"GRANT USAGE ON SEQUENCE gold_standards_id_seq, gold_scores_id_seq, gold_evidence_id_seq "
                   f"TO {staff}")
        op.execute(f"GRANT SELECT ON {tables} TO {rater}")
        op.execute(HR_VIEWS)
        op.execute(GOLD_POLICIES)


def downgrade() -> None:
    raise NotImplementedError("Restore a backup taken before the upgrade instead.")
