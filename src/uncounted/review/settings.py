"""Settings of the review app, each declared with its name, default and help.

As in Datasette, the declaration is the single source: ``uncounted serve --setting NAME VALUE``
parses against it, the docs list it, and a test fails when a setting is undocumented.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from uncounted.exceptions import InputError


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default value and a sentence of help."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("session_idle_minutes", 30,
            "A session ends after this many minutes without a request."),
    Setting("session_max_hours", 12,
            "A session ends this many hours after login, however active."),
    Setting("max_failed_logins", 5,
            "Failed logins in a row before the account is locked."),
    Setting("lockout_minutes", 15,
            "How long a locked account refuses logins."),
    Setting("max_failed_logins_per_ip", 20,
            "Failed logins from one address within lockout_minutes before it gets 429 (password spraying)."),
    Setting("queue_low", 0.05,
            "Pairs with a match probability below this are not queued for review."),
    Setting("queue_high", 0.98,
            "Pairs with a match probability above this are not queued for review."),
    Setting("lease_minutes", 10,
            "A pair opened by one reviewer is kept out of the others' queues this long."),
    Setting("estimate_method", "loglinear",
            "Method the dashboard's re-estimate button runs (fast settings)."),
    Setting("estimate_by", "event_type",
            "Comma-separated stratification the re-estimate button also runs ('' = overall only)."),
    Setting("max_cluster_edit", 200,
            "Largest cluster (records) that split and merge accept."),
    Setting("cookie_secure", False,
            "Send the session cookie only over HTTPS (set when behind a TLS proxy)."),
    Setting("argon2_time_cost", 3,
            "Argon2id passes per password hash (RFC 9106); lower only for tests."),
    Setting("argon2_memory_kib", 65536,
            "Argon2id memory per password hash, in KiB (RFC 9106 second recommended option)."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class ReviewSettings:
    """Values of :data:`SETTINGS` (see there for what each means)."""

    session_idle_minutes: int = 30
    session_max_hours: int = 12
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    max_failed_logins_per_ip: int = 20
    queue_low: float = 0.05
    queue_high: float = 0.98
    lease_minutes: int = 10
    estimate_method: str = "loglinear"
    estimate_by: str = "event_type"
    max_cluster_edit: int = 200
    cookie_secure: bool = False
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.queue_low < self.queue_high <= 1.0:
            raise InputError(f"queue_low and queue_high must satisfy 0 <= low < high <= 1; got "
                             f"{self.queue_low} and {self.queue_high}")
        for name in ("session_idle_minutes", "session_max_hours", "max_failed_logins",
                     "lockout_minutes", "max_failed_logins_per_ip", "lease_minutes", "max_cluster_edit", "argon2_time_cost",
                     "argon2_memory_kib"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise InputError(f"The {name!r} setting must be an int >= 1. Got {v!r}.")

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]] | None = None) -> ReviewSettings:
        """Build from ``(name, text)`` pairs as given on the command line."""
        values: dict[str, Any] = {}
        for name, text in pairs or []:
            if name not in _BY_NAME:
                raise InputError(f"unknown setting {name!r}; allowed: {', '.join(sorted(_BY_NAME))}")
            default = _BY_NAME[name].default
            try:
                if isinstance(default, bool):
                    if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError(text)
                    values[name] = text.lower() in ("true", "1", "yes")
                elif isinstance(default, int):
                    values[name] = int(text)
                elif isinstance(default, float):
                    values[name] = float(text)
                else:
                    values[name] = text
            except ValueError as exc:
                raise InputError(f"setting {name!r} must be a {type(default).__name__}; got {text!r}") from exc
        return cls(**values)

    def by_fields(self) -> list[str]:
        return [b.strip() for b in self.estimate_by.split(",") if b.strip()]


def check_declared() -> list[str]:
    """Names declared in :data:`SETTINGS` that :class:`ReviewSettings` lacks, or the reverse."""
    fields = {f.name for f in dataclasses.fields(ReviewSettings)} - {"extra"}
    return sorted(fields ^ set(_BY_NAME))
