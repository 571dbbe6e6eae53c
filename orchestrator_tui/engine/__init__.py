"""orch's headless core: one asynchronous engine that every front end uses.

A Request goes in, typed events come out (see `events`). This package never imports textual,
typer or rich, and imports the provider SDKs only when a real provider is called.

Its names are loaded on first use, so that a light module inside it (the strategy registry,
which `orch --help` reads) can be imported without the engine and asyncio.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Engine
    from .events import (
        Attempt,
        AttemptFinished,
        AttemptStarted,
        BudgetRefused,
        Escalated,
        Event,
        Note,
        OrchestrationResult,
        RateLimitWait,
        ResultReady,
        RetryScheduled,
        RoutingDecided,
        TextDelta,
    )
    from .request import Request

__all__ = [
    "Attempt",
    "AttemptFinished",
    "AttemptStarted",
    "BudgetRefused",
    "Engine",
    "Escalated",
    "Event",
    "Note",
    "OrchestrationResult",
    "RateLimitWait",
    "Request",
    "ResultReady",
    "RetryScheduled",
    "RoutingDecided",
    "TextDelta",
]

_HOME = {"Engine": "core", "Request": "request"}  # the others are in `events`


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME.get(name, 'events')}", __name__), name)
    globals()[name] = value
    return value
