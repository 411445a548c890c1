"""team server: recordings in the database, logins, row-level security, change notifications, shared settings

Revision ID: 0006_team_server
Revises: 0005_audit_cycles
Create Date: 2026-12-01 12:30:00

On PostgreSQL this revision also installs the access model (group roles per app role, grants, row-level
security policies, the aggregate views HR reads, change notifications). The group roles are named after the
database (`<database>_rater`, …) because roles belong to the whole server and one server may hold several
programs. SQLite gets only the tables and columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_team_server"
down_revision = "0005_audit_cycles"
branch_labels = None
depends_on = None

APP_ROLES = ("admin", "supervisor", "rater", "hr_viewer")
STAFF = ("admin", "supervisor")

ALL_TABLES = (
    "users", "coaches", "rubric_versions", "audit_events", "recordings", "transcripts", "transcript_segments",
    "transcript_edits", "transcription_jobs", "reviews", "review_scores", "evidence_items", "calibration_rounds",
    "round_recordings", "round_raters", "round_consensus", "round_notes", "audit_cycles", "audit_samples",
    "assignments", "supervision_sessions", "recording_blobs", "recording_chunks", "program_settings",
)
RATER_READS = (
    "coaches", "rubric_versions", "recordings", "transcripts", "transcript_segments", "transcription_jobs",
    "reviews", "review_scores", "evidence_items", "calibration_rounds", "round_recordings", "round_raters",
    "round_consensus", "round_notes", "audit_cycles", "assignments", "recording_blobs", "recording_chunks",
    "program_settings",
)
RATER_WRITES = ("reviews", "review_scores", "evidence_items")
HR_READS = ("coaches", "rubric_versions", "program_settings", "hr_competency_scores", "hr_review_counts")
USER_COLUMNS = "id, username, display_name, role, active, created_at, last_login_at, db_login"
NOTIFIED = ("recordings", "transcripts", "transcription_jobs", "reviews", "assignments", "calibration_rounds",
            "round_raters", "audit_cycles")

HELPERS = """
CREATE FUNCTION cs_user_id() RETURNS integer LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS
$$ SELECT id FROM users WHERE db_login = session_user AND active $$;

CREATE FUNCTION cs_role() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS
$$ SELECT role FROM users WHERE db_login = session_user AND active $$;

CREATE FUNCTION cs_is_staff() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS
$$ SELECT coalesce((SELECT role IN ('admin', 'supervisor') FROM users WHERE db_login = session_user AND active),
                   false) $$;

CREATE FUNCTION cs_sees_recording(wanted integer) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT AS $$
  SELECT cs_is_staff()
      OR EXISTS (SELECT 1 FROM reviews WHERE recording_id = wanted AND rater_id = cs_user_id())
      OR EXISTS (SELECT 1 FROM assignments WHERE recording_id = wanted AND reviewer_id = cs_user_id()
                   AND state IN ('assigned', 'in progress', 'submitted'))
      OR EXISTS (SELECT 1 FROM round_recordings rr JOIN round_raters ra ON ra.round_id = rr.round_id
                   JOIN calibration_rounds c ON c.id = rr.round_id
                  WHERE rr.recording_id = wanted AND ra.rater_id = cs_user_id() AND c.status <> 'closed')
$$;

CREATE FUNCTION cs_on_panel(wanted integer) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT AS $$
  SELECT wanted IS NOT NULL AND EXISTS (SELECT 1 FROM round_raters WHERE round_id = wanted
                                                                     AND rater_id = cs_user_id())
$$;

CREATE FUNCTION cs_sees_review(wanted integer) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT AS $$
  SELECT EXISTS (SELECT 1 FROM reviews r WHERE r.id = wanted AND (
      r.rater_id = cs_user_id() OR cs_is_staff() OR cs_on_panel(r.round_id)))
$$;

-- scores and evidence: the author always; others who see the review only once its round (if any) is not open
CREATE FUNCTION cs_reads_review_content(wanted integer) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT AS $$
  SELECT EXISTS (SELECT 1 FROM reviews r LEFT JOIN calibration_rounds c ON c.id = r.round_id
                  WHERE r.id = wanted AND (r.rater_id = cs_user_id()
                        OR ((c.id IS NULL OR c.status <> 'open') AND cs_sees_review(r.id))))
$$;

CREATE FUNCTION cs_writes_review_content(wanted integer) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT AS $$
  SELECT EXISTS (SELECT 1 FROM reviews WHERE id = wanted AND rater_id = cs_user_id() AND status = 'draft')
$$;

-- the audit trail's tip, for appending: readable by every writer although the trail itself is not
CREATE FUNCTION cs_audit_tip() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS
$$ SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1 $$;

CREATE FUNCTION cs_audit_count() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
AS $$ SELECT count(*) FROM audit_events $$;

CREATE FUNCTION cs_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cs_changes', json_build_object(
      'table', TG_TABLE_NAME, 'op', lower(TG_OP),
      'id', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
  RETURN NULL;
END $$;
"""

VIEWS = """
CREATE VIEW hr_competency_scores WITH (security_barrier) AS
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
 GROUP BY c.id, c.name, c.level, c.business_unit, s.competency_id, quarter;

CREATE VIEW hr_review_counts WITH (security_barrier) AS
SELECT c.id AS coach_id, c.name AS coach_name, c.level, c.business_unit,
       to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-"Q"Q') AS quarter, count(*) AS submitted_reviews
  FROM reviews r
  JOIN recordings rec ON rec.id = r.recording_id
  JOIN coaches c ON c.id = rec.coach_id
  LEFT JOIN calibration_rounds cr ON cr.id = r.round_id
 WHERE r.status = 'submitted' AND (cr.id IS NULL OR cr.status <> 'open')
 GROUP BY c.id, c.name, c.level, c.business_unit, quarter;
"""

POLICIES = """
ALTER TABLE program_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY settings_read ON program_settings FOR SELECT
  USING (key <> 'pseudonym_key' OR cs_role() IN ('admin', 'supervisor', 'hr_viewer'));
CREATE POLICY settings_first_pseudonym_key ON program_settings FOR INSERT WITH CHECK (key = 'pseudonym_key');
CREATE POLICY settings_staff ON program_settings FOR ALL USING (cs_is_staff()) WITH CHECK (cs_is_staff());

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT USING (true);
CREATE POLICY users_admin ON users FOR ALL USING (cs_role() = 'admin') WITH CHECK (cs_role() = 'admin');
CREATE POLICY users_own_sign_in ON users FOR UPDATE USING (id = cs_user_id()) WITH CHECK (id = cs_user_id());

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
-- own events, and the app's own (no actor: job recovery), which an INSERT … RETURNING must be able to read back
CREATE POLICY audit_read ON audit_events FOR SELECT
  USING (cs_role() = 'admin' OR actor_id = cs_user_id() OR actor_id IS NULL);
CREATE POLICY audit_append ON audit_events FOR INSERT
  WITH CHECK (actor_id IS NULL OR actor_id = cs_user_id());

ALTER TABLE assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY assignments_own ON assignments FOR SELECT USING (reviewer_id = cs_user_id());
CREATE POLICY assignments_own_progress ON assignments FOR UPDATE USING (reviewer_id = cs_user_id())
  WITH CHECK (reviewer_id = cs_user_id());
CREATE POLICY assignments_staff ON assignments FOR ALL USING (cs_is_staff()) WITH CHECK (cs_is_staff());

ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
-- in terms of the row itself: a new row (INSERT … RETURNING) is checked before any query could find it
CREATE POLICY reviews_read ON reviews FOR SELECT
  USING (rater_id = cs_user_id() OR cs_is_staff() OR cs_on_panel(round_id));
CREATE POLICY reviews_start ON reviews FOR INSERT WITH CHECK (rater_id = cs_user_id() OR cs_is_staff());
CREATE POLICY reviews_change ON reviews FOR UPDATE USING (rater_id = cs_user_id() OR cs_is_staff())
  WITH CHECK (rater_id = cs_user_id() OR cs_is_staff());
CREATE POLICY reviews_discard ON reviews FOR DELETE
  USING ((rater_id = cs_user_id() AND status = 'draft') OR cs_role() = 'admin');

"""

# staff (admin, supervisor) read and change every row; the others read a row when the expression holds
STAFF_AND_READERS = {
    "recordings": "cs_sees_recording(id)",
    "transcripts": "cs_sees_recording(recording_id)",
    "transcript_segments": "EXISTS (SELECT 1 FROM transcripts t WHERE t.id = transcript_id)",
    "transcript_edits": "false",
    "transcription_jobs": "cs_sees_recording(recording_id)",
    "recording_blobs": "EXISTS (SELECT 1 FROM recordings r WHERE r.sha256 = recording_blobs.sha256)",
    "recording_chunks": "EXISTS (SELECT 1 FROM recordings r WHERE r.sha256 = recording_chunks.sha256)",
}
# a review's content: read under cs_reads_review_content, written only into the author's own draft
REVIEW_CONTENT = ("review_scores", "evidence_items")


def _generated_policies() -> str:
    statements = []
    for table, readable in STAFF_AND_READERS.items():
        statements += [f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;",
                       f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({readable});",
                       f"CREATE POLICY {table}_staff ON {table} FOR ALL USING (cs_is_staff()) "
                       "WITH CHECK (cs_is_staff());"]
    for table in REVIEW_CONTENT:
        statements += [f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;",
                       f"CREATE POLICY {table}_read ON {table} FOR SELECT "
                       "USING (cs_reads_review_content(review_id));",
                       f"CREATE POLICY {table}_insert ON {table} FOR INSERT "
                       "WITH CHECK (cs_writes_review_content(review_id));",
                       f"CREATE POLICY {table}_update ON {table} FOR UPDATE "
                       "USING (cs_writes_review_content(review_id)) WITH CHECK (cs_writes_review_content(review_id));",
                       f"CREATE POLICY {table}_delete ON {table} FOR DELETE "
                       "USING (cs_writes_review_content(review_id));"]
    return "\n".join(statements)


def _install_access() -> None:
    bind = op.get_bind()
    quote = bind.dialect.identifier_preparer.quote
    database = bind.exec_driver_sql("SELECT current_database()").scalar_one()
    schema = quote(bind.exec_driver_sql("SELECT current_schema()").scalar_one())
    group = {role: quote(f"{database}_{role}") for role in APP_ROLES}
    for role in APP_ROLES:
        op.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{database}_{role}') THEN "
                   f"CREATE ROLE {group[role]} NOLOGIN; END IF; END $$")
    for script in (HELPERS, VIEWS, POLICIES, _generated_policies()):  # several statements each, in one round trip
        op.execute(script)
    for table in NOTIFIED:
        op.execute(f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION cs_notify_change()")
    everyone = ", ".join(group.values())
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {everyone}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {everyone}")
    op.execute(f"GRANT SELECT ON alembic_version TO {everyone}")
    op.execute(f"GRANT SELECT, INSERT ON audit_events TO {everyone}")
    op.execute(f"GRANT SELECT ({USER_COLUMNS}) ON users TO {everyone}")
    op.execute(f"GRANT UPDATE (last_login_at) ON users TO {everyone}")
    staff = ", ".join(group[role] for role in STAFF)
    for table in ALL_TABLES:
        if table not in ("audit_events", "users"):
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {staff}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON users TO {group['admin']}")
    op.execute(f"GRANT SELECT ON hr_competency_scores, hr_review_counts TO {staff}")
    op.execute(f"GRANT SELECT ON {', '.join(RATER_READS)} TO {group['rater']}")
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(RATER_WRITES)} TO {group['rater']}")
    op.execute(f"GRANT UPDATE (state, review_id) ON assignments TO {group['rater']}")
    op.execute(f"GRANT INSERT ON round_notes TO {group['rater']}")
    op.execute(f"GRANT SELECT ON {', '.join(HR_READS)} TO {group['hr_viewer']}")
    op.execute(f"GRANT INSERT ON program_settings TO {group['hr_viewer']}")


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("db_login", sa.String(length=63), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_db_login"), ["db_login"])
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("transcription_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_host", sa.String(length=255), nullable=False, server_default=""))
    op.create_table(
        "recording_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("chunk_bytes", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_recording_blobs")),
    )
    op.create_table(
        "recording_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["recording_blobs.sha256"],
                                name=op.f("fk_recording_chunks_sha256_recording_blobs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sha256", "idx", name=op.f("pk_recording_chunks")),
    )
    op.create_table(
        "program_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_program_settings_updated_by_id_users")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_program_settings")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _install_access()


def downgrade() -> None:
    raise NotImplementedError("Restore a backup taken before the upgrade instead.")
