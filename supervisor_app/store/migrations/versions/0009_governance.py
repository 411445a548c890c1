"""redaction (suggested and decided spans, program terms), retention (legal holds, anonymised reviews) and
consent scans

Revision ID: 0009_governance
Revises: 0008_consent
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_governance"
down_revision = "0008_consent"
branch_labels = None
depends_on = None

STAFF_TABLES = ("consent_scans", "redactions", "redaction_terms", "legal_holds")


def upgrade() -> None:
    op.create_table(
        "consent_scans",
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("attached_by_id", sa.Integer(), nullable=True),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["attached_by_id"], ["users.id"], name=op.f("fk_consent_scans_attached_by_id_users")),
        sa.ForeignKeyConstraint(["consent_id"], ["consents.id"], name=op.f("fk_consent_scans_consent_id_consents"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_consent_scans")),
    )
    op.create_table(
        "redactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("start_char", sa.Integer(), nullable=False),
        sa.Column("end_char", sa.Integer(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_redactions_decided_by_id_users")),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"], name=op.f("fk_redactions_recording_id_recordings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["segment_id"], ["transcript_segments.id"],
                                name=op.f("fk_redactions_segment_id_transcript_segments"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redactions")),
        sa.UniqueConstraint("segment_id", "start_char", "end_char", name=op.f("uq_redactions_span")),
    )
    with op.batch_alter_table("redactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_redactions_recording_id"), ["recording_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_redactions_segment_id"), ["segment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_redactions_state"), ["state"], unique=False)
    op.create_table(
        "redaction_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["users.id"], name=op.f("fk_redaction_terms_added_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redaction_terms")),
        sa.UniqueConstraint("term", name=op.f("uq_redaction_terms_term")),
    )
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["placed_by_id"], ["users.id"], name=op.f("fk_legal_holds_placed_by_id_users")),
        sa.ForeignKeyConstraint(["released_by_id"], ["users.id"], name=op.f("fk_legal_holds_released_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # staff run redaction and retention; a rater reads what renders their text
        quote = bind.dialect.identifier_preparer.quote
        database = bind.exec_driver_sql("SELECT current_database()").scalar_one()
        staff = ", ".join(quote(f"{database}_{role}") for role in ("admin", "supervisor"))
        rater = quote(f"{database}_rater")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(STAFF_TABLES)} TO {staff}")
        op.execute(f"GRANT USAGE ON SEQUENCE redactions_id_seq, redaction_terms_id_seq, legal_holds_id_seq TO {staff}")
        op.execute(f"GRANT SELECT ON redactions, redaction_terms TO {rater}")
        op.execute("ALTER TABLE redactions ENABLE ROW LEVEL SECURITY")
        op.execute("CREATE POLICY redactions_staff ON redactions FOR ALL USING (cs_is_staff()) "
                   "WITH CHECK (cs_is_staff())")
        op.execute("CREATE POLICY redactions_read ON redactions FOR SELECT USING (cs_sees_recording(recording_id))")
        op.execute("ALTER TABLE consent_scans ENABLE ROW LEVEL SECURITY")
        op.execute("CREATE POLICY consent_scans_staff ON consent_scans FOR ALL USING (cs_is_staff()) "
                   "WITH CHECK (cs_is_staff())")


def downgrade() -> None:
    raise NotImplementedError("Restore a backup taken before the upgrade instead.")
