"""What the provider-batch modules share: the engine (registry, providers, ledger), the history
database, and the calls to a provider's batch API, each of whose failures is one line."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from ..engine import Engine, Request
from ..engine.context import RunContext
from ..errors import OrchError, UsageError
from ..providers.batch_api import BatchAPI
from ..types import ModelConfig, Usage

T = TypeVar("T")


class ProviderBatchError(OrchError):
    """A provider's batch API refused or failed a call."""


@dataclass
class Session:
    engine: Engine
    db: sqlite3.Connection
    note: Callable[[str], object] = lambda text: None  # a line for the user (stderr)
    apis: dict[str, BatchAPI] = field(default_factory=dict)

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

    async def call(self, provider: str, what: str, pending: Awaitable[T]) -> T:
        """`pending` awaited, its failure as one line naming the provider and what was asked."""
        try:
            return await pending
        except OrchError:
            raise
        except Exception as exc:  # the SDK's errors and the transport's, classified
            raise ProviderBatchError(self.describe(provider, what, exc)) from exc

    def describe(self, provider: str, what: str, exc: Exception) -> str:
        from ..providers.sdk_provider import translate

        try:
            sdk = self.engine.provider_named(provider).sdk()  # type: ignore[attr-defined]
            detail = str(translate(exc, sdk, provider))
        except Exception:  # noqa: BLE001 (not an SDK provider: the exception as it is)
            detail = f"{provider}: {type(exc).__name__}: {exc}"
        return self.engine.redact(f"{what}: {detail}")

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
