"""Ctrl+C and SIGTERM end a command the same way: the run in flight is cancelled, what its
calls used is recorded, and the command exits 130 (SIGINT) or 143 (SIGTERM)."""

from __future__ import annotations

import asyncio
import contextlib
import signal


class Interrupted(Exception):
    """The command was stopped by a signal; `exit_code` is the shell's convention for it."""

    def __init__(self, exit_code: int, verb: str):
        super().__init__(verb)
        self.exit_code = exit_code
        self.verb = verb  # "cancelled" (Ctrl+C) or "terminated" (SIGTERM)


def run_interruptibly(coroutine):
    """`asyncio.run(coroutine)`, where SIGTERM cancels the run as Ctrl+C does; either one
    raises Interrupted once the run has wound down."""
    terminated = []

    async def main():
        loop, task = asyncio.get_running_loop(), asyncio.current_task()

        def on_sigterm() -> None:
            terminated.append(True)
            task.cancel()

        with contextlib.suppress(NotImplementedError, RuntimeError):  # no handlers here
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        return await coroutine

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        raise Interrupted(130, "cancelled") from None
    except asyncio.CancelledError:
        if terminated:
            raise Interrupted(143, "terminated") from None
        raise
