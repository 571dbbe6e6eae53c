"""Per-model request and token limits, shared by every request of the process.

A sliding one-minute window per model: a call waits until it fits under both the requests-
per-minute and the tokens-per-minute limit, so a provider configured with its real limits
never has to answer 429. Waiters are served in arrival order.

A call is counted from when it was admitted, and then, once its answer starts, from then: the
server saw the request somewhere in between, so the window never frees a slot before the
server's own window does.

Adaptive pacing: a 429 means the configured limits are optimistic. It pauses the model for
everyone until the server's `retry-after` has passed, and cuts the model's requests per
minute by a factor that grows back by 2% with every call admitted after it, so a batch
converges on what the server allows.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .retry import MAX_RETRY_AFTER


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

    def touch(self, now: float) -> None:
        """The answer has started: count the call from now on (later than the server did)."""
        self.timestamp = max(self.timestamp, now)


SLOW_DOWN_FACTOR = 0.7  # a 429 cuts the limits to 70% (or less: see `slow_down`)
MIN_FACTOR = 0.05
MIN_SAMPLE = 4  # calls in the window before their count says anything about the server's limit
RECOVERY_PER_CALL = 1.02  # and each admitted call lets them grow back by 2%
DEFAULT_PAUSE = 1.0  # seconds, after a 429 without retry-after


@dataclass
class _Window:
    entries: deque[Ticket] = field(default_factory=deque)
    token_sum: int = 0
    factor: float = 1.0  # share of the configured limits in force (adaptive pacing)
    paused_until: float = 0.0

    def scaled(self, limit: int | None) -> int | None:
        return None if limit is None else max(1, int(limit * self.factor))

    def prune(self, now: float, span: float) -> None:
        """Drop expired calls from the front (a touched call may keep older ones a little
        longer: that errs on the safe side)."""
        while self.entries and self.entries[0].timestamp <= now - span:
            self.token_sum -= self.entries.popleft().tokens

    def wait_needed(
        self, now: float, span: float, rpm: int | None, tpm: int | None, tokens: int
    ) -> float:
        """Seconds until a call of `tokens` fits; 0 when it fits now."""
        if now < self.paused_until:
            return self.paused_until - now
        rpm = self.scaled(rpm)
        waits = [0.0]
        over_rpm = rpm is not None and len(self.entries) >= rpm
        over_tpm = tpm is not None and self.entries and self.token_sum + tokens > tpm
        if not (over_rpm or over_tpm):
            return 0.0
        ordered = sorted(self.entries, key=lambda entry: entry.timestamp)
        if rpm is not None and over_rpm:
            waits.append(ordered[len(ordered) - rpm].timestamp + span - now)
        if tpm is not None and over_tpm:
            excess, freed = self.token_sum + tokens - tpm, 0
            for entry in ordered:
                freed += entry.tokens
                if freed >= excess:
                    waits.append(entry.timestamp + span - now)
                    break
        return max(waits)


class RateLimiter:
    """Admits calls per key (a model name) under RPM and TPM limits over a sliding window.

    `clock` and `sleep` go together: a test passes a fake clock whose `sleep` advances it, so
    its waits are exact and take no time."""

    def __init__(
        self,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.span = window_seconds
        self.clock = clock
        self.sleep = sleep
        self._windows: dict[str, _Window] = {}
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}

    def _lock(self, key: str) -> asyncio.Lock:
        loop_key = (id(asyncio.get_running_loop()), key)
        if loop_key not in self._locks:
            self._locks[loop_key] = asyncio.Lock()
        return self._locks[loop_key]

    def slow_down(self, key: str, retry_after: float | None, rpm: int | None = None) -> None:
        """The server answered 429: pause `key` for everyone and cut its limits (once per
        pause: the other 429s of the same burst only make the pause longer). The server
        refused while the window held N calls, so its limit is below N: with enough calls to
        tell (MIN_SAMPLE), the cut goes at least to half of that. Only the request rate is
        cut: fewer requests also send fewer tokens."""
        window = self._windows.setdefault(key, _Window())
        now = self.clock()
        if now >= window.paused_until:
            cut = window.factor * SLOW_DOWN_FACTOR
            window.prune(now, self.span)
            if rpm and len(window.entries) >= MIN_SAMPLE:
                cut = min(cut, len(window.entries) / (2 * rpm))
            window.factor = max(MIN_FACTOR, cut)
        pause = DEFAULT_PAUSE if retry_after is None else retry_after
        if pause <= MAX_RETRY_AFTER:  # longer: the model is out for now; callers move on
            window.paused_until = max(window.paused_until, now + pause)

    async def acquire(
        self,
        key: str,
        rpm: int | None,
        tpm: int | None,
        tokens: int,
        on_wait: Callable[[float], object] | None = None,
    ) -> Ticket:
        """Wait until the call fits, record it, and return its ticket."""
        window = self._windows.setdefault(key, _Window())
        if rpm is None and tpm is None and window.paused_until <= self.clock():
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
                await self.sleep(wait)
            window.factor = min(1.0, window.factor * RECOVERY_PER_CALL)
            ticket = Ticket(now, tokens, window)
            window.entries.append(ticket)
            window.token_sum += tokens
            return ticket


DEFAULT_LIMITER = RateLimiter()
