"""The engine's one retry policy: exponential backoff with jitter, honouring retry-after.

A 429 has an allowance of its own: it says the limits are too optimistic, not that the model
failed, and each one slows the shared limiter (adaptive pacing), so the retries converge on
what the server allows instead of failing the prompt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

MAX_RETRY_AFTER = 120.0  # a server asking for longer is treated as a failure of that model


@dataclass
class RetryPolicy:
    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    rate_limit_retries: int = 6

    def delay(
        self, retry_number: int, retry_after: float | None, rate_limited: bool = False
    ) -> float | None:
        """Seconds to wait before retry `retry_number` (1-based, counted apart for 429s and
        for other errors); None: do not retry."""
        if retry_number > (self.rate_limit_retries if rate_limited else self.max_retries):
            return None
        if retry_after is not None:
            if retry_after > MAX_RETRY_AFTER:
                return None
            return max(0.0, retry_after) + retry_after_jitter(retry_after)
        backoff = min(self.base_delay * 2.0 ** (retry_number - 1), self.max_delay)
        return backoff * random.uniform(0.75, 1.0)


def retry_after_jitter(retry_after: float) -> float:
    """A little more than the server asked, different for each waiter: requests told the
    same `retry-after` do not all come back at the same instant."""
    return random.uniform(0.0, min(1.0, 0.1 + 0.25 * max(0.0, retry_after)))
