"""consent records, and recordings purged after a withdrawal

Revision ID: 0008_consent
Revises: 0007_transcript_review
Create Date: 2026-12-01 13:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_consent"
down_revision = "0007_transcript_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coachee_pseudonym", sa.String(length=100), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("withdrawn", sa.JSON(), nullable=False),
        sa.Column("captured_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("document_ref", sa.String(length=500), nullable=False),
        sa.Column("captured_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["captured_by_id"], ["users.id"], name=op.f("fk_consents_captured_by_id_users")),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"], name=op.f("fk_consents_recording_id_recordings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_coachee_pseudonym"), ["coachee_pseudonym"], unique=False)
        batch_op.create_index(batch_op.f("ix_consents_recording_id"), ["recording_id"], unique=False)
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # staff manage consent; a rater reads it for the recordings of their work
        quote = bind.dialect.identifier_preparer.quote
        database = bind.exec_driver_sql("SELECT current_database()").scalar_one()
        staff = ", ".join(quote(f"{database}_{role}") for role in ("admin", "supervisor"))
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON consents TO {staff}")
        op.execute(f"GRANT USAGE ON SEQUENCE consents_id_seq TO {staff}")  # 0006 granted only the sequences it saw
        op.execute(f"GRANT SELECT ON consents TO {quote(f'{database}_rater')}")
        op.execute("ALTER TABLE consents ENABLE ROW LEVEL SECURITY")
        op.execute("CREATE POLICY consents_staff ON consents FOR ALL USING (cs_is_staff()) WITH CHECK (cs_is_staff())")
        op.execute("CREATE POLICY consents_read ON consents FOR SELECT USING (EXISTS (SELECT 1 FROM recordings r "
                   "WHERE r.id = consents.recording_id OR r.coachee_pseudonym = consents.coachee_pseudonym))")


def downgrade() -> None:
    raise NotImplementedError("Restore a backup taken before the upgrade instead.")
