"""Per-model request and token limits, shared by every request of the process.

A sliding one-minute window per model: a call waits until it fits under both the requests-
per-minute and the tokens-per-minute limit, so a provider configured with its real limits
never has to answer 429. Waiters are served in arrival order.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class Ticket:
    """One admitted call; `settle` replaces its token estimate by the real count."""

    timestamp: float
    tokens: int
    window: _Window | None = None

    def settle(self, tokens: int) -> None:
        if self.window is not None:
            self.window.token_sum += tokens - self.tokens
        self.tokens = tokens


@dataclass
class _Window:
    entries: deque = field(default_factory=deque)
    token_sum: int = 0

    def prune(self, now: float, span: float) -> None:
        while self.entries and self.entries[0].timestamp <= now - span:
            self.token_sum -= self.entries.popleft().tokens

    def wait_needed(self, now: float, span: float, rpm: int | None, tpm: int | None,
                    tokens: int) -> float:
        """Seconds until a call of `tokens` fits; 0 when it fits now."""
        waits = [0.0]
        if rpm is not None and len(self.entries) >= rpm:
            oldest_to_leave = self.entries[len(self.entries) - rpm]
            waits.append(oldest_to_leave.timestamp + span - now)
        if tpm is not None and self.entries and self.token_sum + tokens > tpm:
            excess, freed = self.token_sum + tokens - tpm, 0
            for entry in self.entries:
                freed += entry.tokens
                if freed >= excess:
                    waits.append(entry.timestamp + span - now)
                    break
        return max(waits)


class RateLimiter:
    """Admits calls per key (a model name) under RPM and TPM limits over a sliding window."""

    def __init__(self, window_seconds: float = 60.0, clock=time.monotonic):
        self.span = window_seconds
        self.clock = clock
        self._windows: dict[str, _Window] = {}
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}

    def _lock(self, key: str) -> asyncio.Lock:
        loop_key = (id(asyncio.get_running_loop()), key)
        if loop_key not in self._locks:
            self._locks[loop_key] = asyncio.Lock()
        return self._locks[loop_key]

    async def acquire(self, key: str, rpm: int | None, tpm: int | None, tokens: int,
                      on_wait=None) -> Ticket:
        """Wait until the call fits, record it, and return its ticket."""
        window = self._windows.setdefault(key, _Window())
        if rpm is None and tpm is None:
            return Ticket(self.clock(), tokens)
        async with self._lock(key):
            while True:
                now = self.clock()
                window.prune(now, self.span)
                wait = window.wait_needed(now, self.span, rpm, tpm, tokens)
                if wait <= 0:
                    break
                if on_wait is not None:
                    on_wait(wait)
                await asyncio.sleep(wait)
            ticket = Ticket(now, tokens, window)
            window.entries.append(ticket)
            window.token_sum += tokens
            return ticket


DEFAULT_LIMITER = RateLimiter()
