"""Kill a Python snippet with SIGKILL at a named crash point, for crash-safety tests.

Usage from any test::

    from tests.trust.crashkit import run_until_crash, run_snippet

    res = run_until_crash('''
        from uncounted.store import Store
        ...  # code that reaches crashpoint("ingest.after_batch")
    ''', "ingest.after_batch@3", cwd=tmp_path)
    assert res.label == "ingest.after_batch@3"
    # reopen the store and check consistency; then run_snippet(...) the command again

The snippet runs in a fresh interpreter (``sys.executable``) with ``src/`` on ``PYTHONPATH`` and
``UNCOUNTED_CRASH_AFTER`` set; the library's :func:`uncounted.store.crashpoints.crashpoint` kills
the process when it gets there.  :func:`run_until_crash` fails the test if the process was not
killed at that crash point (it exited normally, raised, or died of something else), so a typo in
a label cannot make a crash test pass vacuously.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass(frozen=True)
class CrashResult:
    """What happened to the killed process."""

    returncode: int
    label: str
    stdout: str
    stderr: str


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("UNCOUNTED_CRASH_AFTER", None)
    env.pop("UNCOUNTED_CRASH_MARKER", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONHASHSEED", "0")
    if extra:
        env.update(extra)
    return env


def run_snippet(snippet: str, *, cwd: str | Path | None = None, env: dict[str, str] | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a snippet to completion (no crash); raise AssertionError with its stderr if it fails."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(snippet)], cwd=cwd,
                          env=_env(env), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"snippet failed with code {proc.returncode}:\n{proc.stderr}")
    return proc


def run_until_crash(snippet: str, label: str, *, cwd: str | Path | None = None,
                    env: dict[str, str] | None = None, timeout: float = 120) -> CrashResult:
    """Run ``snippet`` with ``UNCOUNTED_CRASH_AFTER=label`` and check it was SIGKILLed there.

    Parameters
    ----------
    label:
        ``name`` or ``name@N`` (the N-th time the crash point is reached).
    """
    with tempfile.TemporaryDirectory(prefix="crashkit-") as tmp:
        marker = Path(tmp) / "marker"
        extra = {"UNCOUNTED_CRASH_AFTER": label, "UNCOUNTED_CRASH_MARKER": str(marker)}
        extra.update(env or {})
        proc = subprocess.run([sys.executable, "-c", textwrap.dedent(snippet)], cwd=cwd,
                              env=_env(extra), capture_output=True, text=True, timeout=timeout)
        reached = marker.read_text().strip() if marker.exists() else ""
    if proc.returncode != -signal.SIGKILL or not reached:
        raise AssertionError(
            f"the snippet was not killed at crash point {label!r} (exit code {proc.returncode}, "
            f"marker {reached!r}); is the label right and reached?\nstderr:\n{proc.stderr}"
        )
    return CrashResult(proc.returncode, reached, proc.stdout, proc.stderr)
