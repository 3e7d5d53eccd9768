"""Report the name-key accuracy measured by test_pairs.py at the end of the test run."""

from __future__ import annotations

from typing import Any

#: filled by tests/names/test_pairs.py: measure name -> value
NAME_KEY_METRICS: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not NAME_KEY_METRICS:
        return
    terminalreporter.section("uncounted.names accuracy on tests/names/data/name_pairs.csv")
    for name, value in NAME_KEY_METRICS.items():
        terminalreporter.write_line(f"{name:<55} {value:.3f}")
