"""orch's headless core: one asynchronous engine that every front end uses.

A Request goes in, typed events come out (see `events`). This package never imports textual,
typer or rich, and imports the provider SDKs only when a real provider is called.
"""

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

__all__ = ["Engine", "Request", "Event", "RoutingDecided", "Note", "AttemptStarted", "TextDelta",
           "RetryScheduled", "RateLimitWait", "AttemptFinished", "Escalated", "BudgetRefused",
           "ResultReady", "Attempt", "OrchestrationResult"]
