"""How an orch process ends: its exit status, and ending at once while an SDK is still being
imported in a daemon thread (the interpreter's shutdown can crash under such an import)."""

from __future__ import annotations

import contextlib
import os
import sys


def exit_status(code: object) -> int:
    """The status `sys.exit(code)` ends with (orch exits with numbers; anything else is 1)."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def leave_now_if_warming(status: int) -> None:
    """End the process at once, with `status`, if an SDK is still being readied: the
    interpreter's shutdown with a daemon thread in the middle of importing an SDK's compiled
    modules can crash (SIGSEGV, seen when a command is refused right after it starts). The
    caller has closed its databases; only the standard streams are left to flush."""
    from .providers.warmup import rehearsals_running

    if rehearsals_running():
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(status)
