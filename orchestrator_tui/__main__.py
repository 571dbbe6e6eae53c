"""`python -m orchestrator_tui` is `orch`."""

from .launch import main

main()
