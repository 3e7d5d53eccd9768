"""report step: tables and plots as pure functions, and the self-contained HTML report."""

from uncounted.report.render import build_context, render_html, write_report

__all__ = ["build_context", "render_html", "write_report"]
