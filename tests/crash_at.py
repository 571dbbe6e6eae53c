"""`python -m tests.crash_at TARGET ARGS…`: `orch ARGS…` that dies at a chosen point, as a
crash or a SIGKILL would: no handler, no `finally`, no flush of what was not yet written.

TARGET is `module:attribute` (`orchestrator_tui.store.provider_batches:mark_recorded`, or
a method: `orchestrator_tui.batch.outputs:Appender.write`), with `#N` to die at its Nth
call (default: the first). The process exits with `CRASHED` the moment that call begins,
whatever thread makes it, before the call does anything.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from typing import Any

CRASHED = 86


def crash_at(target: str) -> None:
    """Replace TARGET by a function that ends the process at its Nth call."""
    where, _, nth = target.partition("#")
    module_name, _, path = where.partition(":")
    owner: Any = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    original = getattr(owner, name)
    calls = {"left": int(nth or 1)}

    @functools.wraps(original)
    def dying(*args: Any, **kwargs: Any) -> Any:
        calls["left"] -= 1
        if calls["left"] <= 0:
            os._exit(CRASHED)
        return original(*args, **kwargs)

    setattr(owner, name, dying)


if __name__ == "__main__":
    crash_at(sys.argv[1])
    sys.argv = ["orch", *sys.argv[2:]]
    from orchestrator_tui.launch import main

    main()
