"""What the provider-batch modules share: the engine (registry, providers, ledger), the history
database, and the calls to a provider's batch API, each of whose failures is one line."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from ..engine import Engine, Request
from ..engine.context import RunContext
from ..errors import OrchError, UsageError
from ..providers.base import ProviderError
from ..providers.batch_api import BatchAPI
from ..types import ModelConfig, Usage

T = TypeVar("T")


class ProviderBatchError(OrchError):
    """A provider's batch API refused or failed a call. `status`: the HTTP status the
    provider answered with (None: no answer, such as a timeout or a dropped connection)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


# Told to slow down: the request was not processed, so even a POST that creates a batch is
# safe to send again. Anything else fails at once (a rerun recovers).
RATE_LIMITED = {"rate_limit", "overloaded"}


@dataclass
class Session:
    engine: Engine
    db: sqlite3.Connection
    note: Callable[[str], object] = lambda text: None  # a line for the user (stderr)
    apis: dict[str, BatchAPI] = field(default_factory=dict)
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep

    def api(self, provider: str) -> BatchAPI:
        """The batch API of the provider named `provider` (UsageError if it has none)."""
        if provider not in self.apis:
            api = self.engine.provider_named(provider).batch_api()
            if api is None:
                raise UsageError(f"the provider {provider} has no batch API")
            self.apis[provider] = api
        return self.apis[provider]

    def batchable(self, model: ModelConfig) -> bool:
        try:
            self.api(model.provider)
        except UsageError:
            return False
        return True

    async def call(self, provider: str, what: str, make: Callable[[], Awaitable[T]]) -> T:
        """`make()` awaited. A 429 (or 529, overloaded) is retried as the engine's policy says
        for rate limits: after the provider's retry-after (up to 120 s), at most
        `rate_limit_retries` times. Any other failure, or the last one, is one line naming
        the provider and what was asked."""
        retries = 0
        while True:
            try:
                return await make()
            except OrchError:
                raise
            except Exception as exc:  # the SDK's errors and the transport's, classified
                error = self.classify(provider, exc)
                delay = self.rate_limit_delay(error, retries + 1)
                if delay is None:
                    raise self.failure(provider, what, exc, error, retries) from exc
            retries += 1
            await self.sleep(delay)

    def classify(self, provider: str, exc: Exception) -> ProviderError | None:
        """The SDK's exception as a ProviderError (None: not an SDK provider's)."""
        from ..providers.sdk_provider import translate

        try:
            sdk = self.engine.provider_named(provider).sdk()  # type: ignore[attr-defined]
            return translate(exc, sdk, provider)
        except Exception:  # noqa: BLE001 (not an SDK provider: the exception as it is)
            return None

    def rate_limit_delay(self, error: ProviderError | None, retry: int) -> float | None:
        if error is None or error.kind not in RATE_LIMITED:
            return None
        return self.engine.policy.delay(retry, error.retry_after, rate_limited=True)

    def failure(
        self,
        provider: str,
        what: str,
        exc: Exception,
        error: ProviderError | None,
        retries: int,
    ) -> ProviderBatchError:
        missing = self.missing_key(provider)
        if missing is not None:  # the SDK's own words are about its authentication method
            return ProviderBatchError(f"{what}: {missing}")
        detail = str(error) if error else f"{provider}: {type(exc).__name__}: {exc}"
        if retries:
            detail += f" (after {retries} retr{'y' if retries == 1 else 'ies'})"
        elif error is not None and error.kind in RATE_LIMITED and error.retry_after:
            detail += f" (it asks to wait {error.retry_after:g} s: too long to wait here)"
        status = error.status if error else None
        return ProviderBatchError(self.engine.redact(f"{what}: {detail}"), status)

    def missing_key(self, provider: str) -> str | None:
        """Why `provider` cannot be asked when its API key is not set (None: it is, or it
        needs none)."""
        try:
            config = self.engine.provider_named(provider).config
        except Exception:  # noqa: BLE001 (not configured: nothing to say about its key)
            return None
        key_env = config.api_key_env
        if not key_env or self.engine.provider_named(provider).api_key():
            return None
        return f"{provider}: no API key: {key_env} is not set (`orch keys set` sets one)"

    def context(self, request: Request) -> RunContext:
        return self.engine.context(request)


def request_json(request: Request) -> str:
    data = {k: v for k, v in asdict(request).items() if k != "history"}
    return json.dumps(data, ensure_ascii=False)


def request_from_json(text: str) -> Request:
    return Request(**json.loads(text))


def outcome_json(outcome: Any) -> dict[str, Any]:
    return asdict(outcome)


def usage_from(data: dict[str, Any] | None) -> Usage | None:
    return None if data is None else Usage(**data)
