"""``python -m uncounted`` runs the CLI."""

from uncounted.cli.main import main

main()
