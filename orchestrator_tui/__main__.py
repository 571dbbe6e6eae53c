"""`python -m orchestrator_tui` runs the CLI."""

from .cli.main import run

run()
