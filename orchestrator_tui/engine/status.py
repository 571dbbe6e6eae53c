"""The statuses of an attempt and of a request, as string enums: each member is its own
string, so JSON, SQLite rows and comparisons such as `status == "ok"` see the plain value."""

from __future__ import annotations

from enum import StrEnum


class AttemptStatus(StrEnum):
    """How one call to one model ended (PENDING until it does)."""

    PENDING = "pending"
    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"  # refused by a budget before any call was made
    CANCELLED = "cancelled"


class RequestStatus(StrEnum):
    """Where a request stands: RUNNING in the history until it ends; a batch record says
    SKIPPED when the budget was too small for any call (the history counts it FAILED)."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # closed by a later process: its own had died
