"""Progress bars as a person at a terminal sees them: every long step must run with them on.

The other CLI tests run with ``CI`` set, so the bars are off there; a step whose callback
does not fit the bar only fails at a real terminal (``uncounted link`` once did).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_demo_runs_with_progress_bars_on(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TTY_COMPATIBLE"] = "1"  # rich then draws its bars as at a terminal
    out = subprocess.run(
        [sys.executable, "-m", "uncounted", "demo", str(tmp_path / "demo"), "--people", "300", "--json"],
        capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    d = json.loads(out.stdout)
    assert d["link"]["n_records"] > 0
    # the bars were drawn: each step's description and a finished bar (100/100 for link)
    for step in ("ingest", "link", "estimate", "report"):
        assert step in out.stderr
    assert "100/100" in out.stderr
