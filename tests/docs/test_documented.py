"""Every CLI command and every verdict rule is documented (fails when one is added silently)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer.main

from uncounted.cli.main import _register, app

DOCS = Path(__file__).resolve().parents[2] / "docs"


def commands() -> list[str]:
    _register()
    root = typer.main.get_command(app)
    out: list[str] = []

    def walk(c: object, prefix: str) -> None:
        subs = getattr(c, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, f"{prefix} {name}".strip())
        else:
            out.append(prefix)

    walk(root, "")
    return out


def test_every_command_is_in_docs_cli():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    missing = [c for c in commands() if f"`uncounted {c}" not in text]
    assert not missing, f"undocumented commands: {missing}"


def test_every_verdict_threshold_is_in_docs_verdict():
    from uncounted.estimate.verdict import VerdictRules

    text = (DOCS / "verdict.md").read_text(encoding="utf-8")
    missing = [f.name for f in dataclasses.fields(VerdictRules) if f"`{f.name}`" not in text]
    assert not missing, f"verdict thresholds without a documented reason: {missing}"
