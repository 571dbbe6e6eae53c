"""The `orch` entry point. `orch` alone, in a terminal, opens the TUI without loading the
command line (Typer, the commands): its first frame comes sooner. Everything else goes to
`cli.main`."""

from __future__ import annotations

import sys


def main() -> None:
    if len(sys.argv) == 1 and sys.stdin.isatty() and sys.stdout.isatty():
        open_tui()
    else:
        from .cli.main import run

        run()


def open_tui() -> None:
    """What `orch` with no arguments does through `cli.main` (`orch tui`), minus Typer; an
    error is reported by the same one-line handler."""
    import gc

    from .exiting import exit_status, leave_now_if_warming

    status = 1
    try:
        from .tui.app import run_tui

        run_tui(None, None)
        status = 0
    except SystemExit as done:
        status = exit_status(done.code)
        raise
    except Exception as error:  # noqa: BLE001 (reported as the CLI would)
        from .cli.main import report_error

        try:
            report_error(error)
        except SystemExit as done:
            status = exit_status(done.code)
            raise
    finally:
        gc.freeze()  # as cli.main.run: no last collection over the SDKs' objects
        leave_now_if_warming(status)
