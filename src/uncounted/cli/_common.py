"""Shared pieces of the CLI: project lookup, JSON output, progress bars, errors."""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from uncounted.progress import ProgressCallback

console = Console()
err_console = Console(stderr=True)

ProjectOpt = Annotated[
    Path | None,
    typer.Option("-p", "--project", help="Project folder (default: $UNCOUNTED_PROJECT or the current folder)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


class State:
    project: Path | None = None
    debug: bool = False


state = State()


def project_dir(opt: Path | None) -> Path:
    if opt is not None:
        return opt
    if state.project is not None:
        return state.project
    return Path(os.environ.get("UNCOUNTED_PROJECT", "."))


def open_project(opt: Path | None, *, read_only: bool = False) -> Any:
    from uncounted.project import Project

    proj = Project(project_dir(opt), read_only=read_only)
    proj.actor = os.environ.get("UNCOUNTED_ACTOR", "cli")
    return proj


def _clean(obj: Any) -> Any:
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):
        with contextlib.suppress(Exception):
            return _clean(obj.item())
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return obj


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(_clean(obj), ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def progress_enabled() -> bool:
    return err_console.is_terminal and not os.environ.get("CI")


@contextlib.contextmanager
def progress_bar(description: str) -> Iterator[ProgressCallback]:
    """A rich progress bar on stderr, or a silent callback when not on a terminal or under CI."""
    if not progress_enabled():
        yield lambda done, total: None
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=False) as prog:
        task = prog.add_task(description, total=None)

        def cb(done: int, total: int) -> None:
            prog.update(task, completed=done, total=total or None)

        yield cb
