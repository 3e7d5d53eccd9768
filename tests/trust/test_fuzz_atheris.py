"""Coverage-guided fuzzing with atheris (bounded), plus regressions for the crashes it found."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from uncounted.exceptions import IngestError
from uncounted.store.safe_export import check_xlsx_safe, write_xlsx_safe

FUZZ = int(os.environ.get("UNCOUNTED_FUZZ_EXAMPLES", "200"))
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REGRESSIONS = HERE / "fuzz_regressions"


@pytest.mark.parametrize("path", sorted(REGRESSIONS.glob("xlsx-*")), ids=lambda p: p.name)
def test_xlsx_regressions(path: Path) -> None:
    with pytest.raises(IngestError):
        check_xlsx_safe(path)


@pytest.mark.fuzz
@pytest.mark.parametrize("target", ["xlsx", "names", "cells"])
def test_atheris(tmp_path: Path, target: str) -> None:
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    if target == "xlsx":
        write_xlsx_safe(corpus / "seed.xlsx", ["a", "b"], [[i, f"n{i}"] for i in range(20)])
        for p in REGRESSIONS.glob("xlsx-*"):
            (corpus / p.name).write_bytes(p.read_bytes())
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    proc = subprocess.run(
        [sys.executable, "-m", "tests.trust.fuzz_targets", target, f"-runs={FUZZ}", "-seed=1",
         f"-artifact_prefix={tmp_path}/", "-max_len=8192", str(corpus)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    crashes = list(tmp_path.glob("crash-*")) + list(tmp_path.glob("timeout-*"))
    assert proc.returncode == 0 and not crashes, proc.stderr[-3000:]
    assert f"Done {FUZZ} runs" in proc.stderr
