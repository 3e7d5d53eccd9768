"""Imports point one way (docs/architecture.md): estimate stands alone; only link imports splink."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "uncounted"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def modules(folder: str) -> list[Path]:
    return sorted((PKG / folder).rglob("*.py"))


def test_estimate_never_imports_link_store_or_cli():
    bad = {str(p.relative_to(PKG)): sorted(m for m in imports_of(p)
                                           if m.startswith(("uncounted.link", "uncounted.store",
                                                            "uncounted.cli", "uncounted.review")))
           for p in modules("estimate")}
    assert not {k: v for k, v in bad.items() if v}


def test_only_link_imports_splink():
    offenders = [str(p.relative_to(PKG)) for p in PKG.rglob("*.py")
                 if "link" not in p.relative_to(PKG).parts[:1]
                 and any(m == "splink" or m.startswith("splink.") for m in imports_of(p))]
    assert offenders == []


def test_lower_layers_do_not_import_upper_ones():
    upper = ("uncounted.cli", "uncounted.review", "uncounted.report")
    for folder in ("store", "names", "ingest", "estimate", "link"):
        for p in modules(folder):
            assert not [m for m in imports_of(p) if m.startswith(upper)], p
