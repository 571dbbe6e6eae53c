"""The command line (Typer). Commands are thin: they build a Request, consume engine events
and print them. Heavy imports happen inside the commands, so `orch --help` starts fast."""
