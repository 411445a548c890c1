"""Our own error hierarchy. Every message is written for the person who has to act on it."""

from __future__ import annotations

from dataclasses import dataclass


class SupervisorError(Exception):
    """Base of every error the app raises on purpose; `str()` is a message a user can act on."""


class ConfigurationError(SupervisorError):
    """A path, URL or option the user gave cannot be used."""


class DatabaseError(SupervisorError):
    """The database cannot be opened or used as it is."""


class ServerUnreachableError(DatabaseError):
    """The team server did not answer, or the connection broke; nothing of the interrupted step was saved."""


class ServerLoginError(DatabaseError):
    """The team server refused the login's password (or none was given)."""


class AccessDeniedByServerError(DatabaseError):
    """The team server refused the login's request (its grants or row-level security)."""


class DatabaseTooNewError(DatabaseError):
    """The database was written by a newer version of the app."""


class DatabaseCorruptError(DatabaseError):
    """The database failed its integrity check."""


class AlreadyRunningError(SupervisorError):
    """Another instance of the app holds this data directory."""


class AuthenticationError(SupervisorError):
    """Wrong user name or password, or the account is disabled."""


class PermissionDeniedError(SupervisorError):
    """The acting user's role does not allow this."""


class NotFoundError(SupervisorError):
    """A record the user named does not exist."""


class ValidationError(SupervisorError):
    """User input that breaks a rule; nothing was changed. `field` names the input at fault, if one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(SupervisorError):
    """The change would clash with stored data (a duplicate, a record in use)."""


class ConcurrentChangeError(ConflictError):
    """Another user changed the same records at the same moment; trying again is safe."""


@dataclass(frozen=True)
class Issue:
    """One problem found in a document, located by a JSON path such as `$.competencies[2].id`."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DocumentInvalidError(ValidationError):
    """A file we read (rubric JSON, …) is not valid; `issues` lists every problem found."""

    SHOWN = 50  # a report a person reads; the rest are counted

    def __init__(self, what: str, issues: list[Issue], *, more: bool = False) -> None:
        """`more`: the checker stopped looking after these (a file with thousands of mistakes)."""
        self.what = what
        self.issues = issues
        count = len(issues)
        shown = [f"  {issue}" for issue in issues[:self.SHOWN]]
        if count > self.SHOWN:
            shown.append(f"  … and {count - self.SHOWN:,} more")
        if more:
            shown.append("  … and more problems: the check stopped here. Fix these and check again.")
        amount = f"more than {count:,} problems" if more else f"{count:,} problem{'s' if count != 1 else ''}"
        super().__init__(f"{what} is not valid ({amount}):\n" + "\n".join(shown))
