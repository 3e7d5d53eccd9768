"""Exception hierarchy.

Every error a user can cause derives from :class:`UncountedError` and from the matching
built-in, so callers can catch either.  Messages say what was received, what is allowed and
what to try: the CLI prints the message alone (the traceback only with ``--debug``).
"""

from __future__ import annotations


class UncountedError(Exception):
    """Base class of all errors raised deliberately by uncounted."""


class InputError(UncountedError, ValueError):
    """Input data or arguments that cannot be used as given."""


class MappingError(InputError):
    """A source mapping file is invalid (unknown field, bad date format, ...)."""


class IngestError(InputError):
    """A file cannot be ingested at all (unreadable, unknown encoding, no header...)."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        where = ", ".join(
            p for p in (
                f"file {file}" if file else "",
                f"line {line}" if line is not None else "",
                f"field {field!r}" if field else "",
            ) if p
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file = file
        self.line = line
        self.field = field


class ProjectError(UncountedError, RuntimeError):
    """The project folder is missing, malformed, or in a state that forbids the operation."""


class ProjectNotFoundError(ProjectError, FileNotFoundError):
    """No ``uncounted.toml`` where a project was expected."""


class StoreError(UncountedError, RuntimeError):
    """The DuckDB store is inconsistent or a migration failed."""


class ConflictError(UncountedError, RuntimeError):
    """A concurrent change was made to the same object (e.g. two reviewers, one pair)."""


class EstimationError(UncountedError, ValueError):
    """An estimator cannot produce an estimate for this table (and says why)."""


class NotEstimableError(EstimationError):
    """The table cannot support an estimate (too few lists, no overlap, no finite MLE)."""


class ConvergenceError(EstimationError, RuntimeError):
    """A numerical fit failed to converge."""


class LinkageError(UncountedError, RuntimeError):
    """Record linkage could not be run or trained."""


class AuthError(UncountedError, PermissionError):
    """Authentication or authorisation failed."""


class CryptoError(UncountedError, RuntimeError):
    """A sensitive value cannot be encrypted or decrypted (missing or wrong key)."""


class AuditError(UncountedError, RuntimeError):
    """The audit log's hash chain does not verify."""


class EstimationWarning(UserWarning):
    """Statistical trouble worth telling: sparse cells, MLE at a boundary, poor mixing.

    Always also recorded in the result's ``diagnostics``.
    """
