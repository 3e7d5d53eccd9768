"""Same seed, same data, whatever the process: no dependence on hash randomisation or order."""

from __future__ import annotations

import os
import subprocess
import sys

SNIPPET = """
import hashlib
import pandas as pd
from uncounted.simulate import generate_case, generate_records
case = generate_case(seed=5, n_people=300)
parts = [case.truth.to_csv(index=False)] + [case.lists[k].astype(str).to_csv(index=False)
                                            for k in sorted(case.lists)]
parts.append(generate_records(2000, seed=5).astype(str).to_csv(index=False))
print(hashlib.sha256("".join(parts).encode()).hexdigest())
"""


def _digest(hashseed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(src), env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", SNIPPET], env=env, capture_output=True,
                         text=True, check=True, timeout=300)
    return out.stdout.strip()


def test_independent_of_hash_seed():
    a, b = _digest("1"), _digest("12345")
    assert len(a) == 64
    assert a == b
