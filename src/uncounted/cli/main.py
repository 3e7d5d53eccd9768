"""``uncounted`` command line.

The command names, options and JSON shapes here are a contract that scripts outside the project
rely on: extend them, never break them.  Errors print one line and exit non-zero; the traceback
only with ``--debug``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from uncounted import __version__
from uncounted.cli import _common
from uncounted.exceptions import UncountedError

app = typer.Typer(
    name="uncounted",
    help="Count the casualties no single list holds: ingest, link, review, estimate, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"uncounted {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    project: Annotated[Path | None, typer.Option("-p", "--project", help="Project folder.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logging.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    _common.state.project = project
    _common.state.debug = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    from uncounted.cli import commands  # noqa: F401  (registers the commands on `app`)


def main(argv: list[str] | None = None) -> None:
    _register()
    try:
        app(args=argv, standalone_mode=False)
    except UncountedError as exc:
        if _common.state.debug:
            raise
        _common.err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        _common.err_console.print("interrupted: the store is unchanged by the interrupted step")
        sys.exit(130)
    except Exception as exc:  # click's usage errors and the unexpected
        # Typer up to 0.2x raised click's exceptions; later versions raise those of a click
        # copied into typer (typer._click), which click's classes do not match.  Both kinds
        # carry what is needed: usage errors can show themselves and have an exit code (2).
        name = type(exc).__name__
        if name == "Exit" and isinstance(getattr(exc, "exit_code", None), int):
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        if name == "Abort":
            sys.exit(1)
        if _common.state.debug:
            raise
        _common.err_console.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {exc} (rerun with --debug for the "
            "traceback, and please report it)", highlight=False, soft_wrap=True)
        sys.exit(1)
