"""Roles and what each may do. The services check these; the GUI only mirrors them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    RATER = "rater"
    HR_VIEWER = "hr_viewer"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.SUPERVISOR: "Supervisor (master coach)",
    Role.RATER: "Rater",
    Role.HR_VIEWER: "HR viewer",
}


class Permission(StrEnum):
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_COACHES = "view_coaches"
    MANAGE_COACHES = "manage_coaches"
    VIEW_RUBRICS = "view_rubrics"
    IMPORT_RUBRICS = "import_rubrics"
    LOAD_DEMO = "load_demo"
    VIEW_RECORDINGS = "view_recordings"
    MANAGE_RECORDINGS = "manage_recordings"
    TRANSCRIBE = "transcribe"
    EDIT_TRANSCRIPTS = "edit_transcripts"
    REVIEW = "review"
    READ_ALL_REVIEWS = "read_all_reviews"
    RUN_CALIBRATION = "run_calibration"
    EXPORT_AGGREGATES = "export_aggregates"
    RUN_AUDITS = "run_audits"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset({
        Permission.VIEW_COACHES, Permission.MANAGE_COACHES,
        Permission.VIEW_RUBRICS, Permission.IMPORT_RUBRICS,
        Permission.VIEW_RECORDINGS, Permission.MANAGE_RECORDINGS, Permission.TRANSCRIBE,
        Permission.EDIT_TRANSCRIPTS, Permission.REVIEW, Permission.READ_ALL_REVIEWS, Permission.RUN_CALIBRATION,
        Permission.EXPORT_AGGREGATES, Permission.RUN_AUDITS,
    }),
    Role.RATER: frozenset({Permission.VIEW_RUBRICS, Permission.REVIEW}),
    Role.HR_VIEWER: frozenset({Permission.VIEW_COACHES, Permission.VIEW_RUBRICS, Permission.EXPORT_AGGREGATES}),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def parse_role(text: str) -> Role:
    """The role named by `text` (value or label, any case); ValueError lists the valid ones."""
    wanted = text.strip().lower()
    for role in Role:
        if wanted in (role.value, role.label.lower()):
            return role
    valid = ", ".join(role.value for role in Role)
    raise ValueError(f"Unknown role {text!r}; use one of: {valid}.")
