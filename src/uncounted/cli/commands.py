"""Import every command module so each registers itself on the app."""

from uncounted.cli import (  # noqa: F401
    cmd_claim,
    cmd_demo,
    cmd_estimate,
    cmd_evidence,
    cmd_export,
    cmd_ingest,
    cmd_init,
    cmd_link,
    cmd_quarantine,
    cmd_report,
    cmd_serve,
    cmd_status,
    cmd_trust,
    cmd_user,
)
