"""The engine's one retry policy: exponential backoff with jitter, honouring retry-after."""

from __future__ import annotations

import random
from dataclasses import dataclass

MAX_RETRY_AFTER = 120.0  # a server asking for longer is treated as a failure of that model


@dataclass
class RetryPolicy:
    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, retry_number: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry `retry_number` (1-based); None: do not retry."""
        if retry_number > self.max_retries:
            return None
        if retry_after is not None:
            return None if retry_after > MAX_RETRY_AFTER else max(0.0, retry_after)
        backoff = min(self.base_delay * 2 ** (retry_number - 1), self.max_delay)
        return backoff * random.uniform(0.75, 1.0)
