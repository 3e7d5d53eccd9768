"""Named crash points, so tests can kill the process (SIGKILL) at an exact step.

Why: "each command is one transaction or resumable" is a claim that only a kill can test.  A
library function calls :func:`crashpoint` at interesting places (between two statements of a
transaction, after each batch of a long loop, just after a commit); normally this is a dict look-up
and nothing else.  A test starts the command in a subprocess with the environment variable
``UNCOUNTED_CRASH_AFTER`` naming one of those labels, and the process kills itself with SIGKILL
when it gets there, exactly like ``kill -9`` or a power cut would (no ``finally`` blocks, no
``atexit``, no flushing of buffers).  The harness is ``tests/trust/crashkit.py``.

Syntax of ``UNCOUNTED_CRASH_AFTER``: a comma-separated list of ``label`` or ``label@N`` (crash on
the N-th time the label is reached in this process, N >= 1; plain ``label`` means ``label@1``).
If ``UNCOUNTED_CRASH_MARKER`` names a file, the label is appended to it (and fsynced) just before
the kill, so the harness can tell our kill apart from any other death.
"""

from __future__ import annotations

import logging
import os
import signal
from collections import Counter

log = logging.getLogger(__name__)

ENV_CRASH_AFTER = "UNCOUNTED_CRASH_AFTER"
ENV_CRASH_MARKER = "UNCOUNTED_CRASH_MARKER"

_hits: Counter[str] = Counter()


def _targets(spec: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        label, _, nth = part.partition("@")
        try:
            out[label] = max(1, int(nth)) if nth else 1
        except ValueError:
            out[label] = 1
    return out


def crashpoint(label: str) -> None:
    """Kill this process with SIGKILL if ``UNCOUNTED_CRASH_AFTER`` names ``label``.

    Parameters
    ----------
    label:
        A stable, dotted name for the place, e.g. ``"ingest.after_batch"``.  Document the labels a
        module offers in its docstring so tests can target them.

    Notes
    -----
    A no-op (one environment look-up) unless the variable is set.  Never use it for control flow.
    """
    spec = os.environ.get(ENV_CRASH_AFTER)
    if not spec:
        return
    targets = _targets(spec)
    if label not in targets:
        return
    _hits[label] += 1
    if _hits[label] < targets[label]:
        return
    marker = os.environ.get(ENV_CRASH_MARKER)
    if marker:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, f"{label}@{_hits[label]}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    sigkill = getattr(signal, "SIGKILL", None)
    if sigkill is None:  # pragma: no cover - Windows has no SIGKILL
        os._exit(137)
    os.kill(os.getpid(), sigkill)


def reset() -> None:
    """Forget how often each label was reached (for in-process tests of the counter)."""
    _hits.clear()
