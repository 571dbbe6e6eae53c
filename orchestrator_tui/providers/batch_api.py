"""The providers' batch APIs (OpenAI's Batch API, Anthropic's Message Batches): submit many
requests at once, answered within 24 hours at the models' batch prices.

A `BatchAPI` submits one provider batch (an upload, then its creation: two calls, so that
a caller can record what it is about to create in between), retrieves its state, downloads
its results and cancels it. It never splits: `split_requests` cuts a submission at the API's
documented limits (`BATCH_LIMITS`, plain data, so a test can lower them), and each part is
one batch.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..types import ModelConfig, Usage

if TYPE_CHECKING:
    from .base import CallParams, Provider


@dataclass(frozen=True)
class BatchLimits:
    """The most requests, and bytes of requests, one provider batch may hold."""

    max_requests: int
    max_bytes: int


MIB = 1024 * 1024
# OpenAI: 50,000 requests and 200 MB per input file; Anthropic: 100,000 requests or 256 MB
# per batch (their documentation, 2026).
BATCH_LIMITS: dict[str, BatchLimits] = {
    "openai": BatchLimits(50_000, 200 * MIB),
    "anthropic": BatchLimits(100_000, 256 * MIB),
}


@dataclass(frozen=True)
class BatchRequest:
    """One request of a batch: `custom_id` names its result."""

    custom_id: str
    model: ModelConfig
    params: CallParams


@dataclass(frozen=True)
class BatchState:
    """A provider batch as the provider reports it."""

    id: str
    status: str  # the provider's word: validating, in_progress, ended, completed, …
    ended: bool  # its results can be downloaded (or it ended without any)
    counts: dict[str, int] = field(default_factory=dict)  # the provider's request counts
    total: int = 0
    finished: int = 0  # requests that have their result


@dataclass(frozen=True)
class BatchOutcome:
    """One request's result: `kind` is succeeded, errored, expired or canceled."""

    custom_id: str
    kind: str
    text: str = ""
    usage: Usage | None = None
    stop_reason: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind == "succeeded" and self.stop_reason is not None


@dataclass(frozen=True)
class Submission:
    """A batch orch was creating when it stopped (a crash before the provider's answer was
    recorded): what can identify it at the provider."""

    token: str  # the tag it was created with, where the API keeps one
    file_id: str | None  # its uploaded input file (OpenAI), if the upload was recorded
    custom_ids: frozenset[str]
    requests: int
    created: float  # when orch recorded it, by this machine's clock (seconds since the epoch)
    tracked: frozenset[str] = frozenset()  # the provider's batch ids orch already tracks


@dataclass(frozen=True)
class Search:
    """Whether the provider has a submission's batch: `batch_id`; or None and `pending`, the
    batches that may be it but cannot be told apart yet (none: it was never created)."""

    batch_id: str | None = None
    pending: tuple[str, ...] = ()


SKEW = 600.0  # seconds the provider's clock may be off this machine's
WINDOW = 3600.0  # a creation answered later than this after it was recorded had failed


class BatchAPI(ABC):
    """One provider's batch endpoints, through its SDK client."""

    kind: str

    def __init__(self, client: Callable[[], Any], provider: str) -> None:
        self.client = client  # the provider's SDK client of the running loop
        self.provider = provider

    @property
    def limits(self) -> BatchLimits:
        return BATCH_LIMITS[self.kind]

    @abstractmethod
    def line(self, request: BatchRequest) -> bytes:
        """The request as the API receives it, for its size (and OpenAI's input file)."""

    async def upload(self, requests: list[BatchRequest]) -> str | None:
        """Upload what `create` needs first, if anything: OpenAI's input file (its id)."""
        return None

    @abstractmethod
    async def create(self, requests: list[BatchRequest], file_id: str | None, token: str) -> str:
        """Create one provider batch of `requests` (within the limits; `file_id`: what
        `upload` returned), tagged with `token` where the API keeps a tag; its id."""

    async def find(self, submission: Submission) -> Search:
        """Look for `submission`'s batch among the provider's batches (only when `searchable`:
        a plugin's batch API may not implement it)."""
        raise NotImplementedError

    @property
    def searchable(self) -> bool:
        return type(self).find is not BatchAPI.find

    @abstractmethod
    async def retrieve(self, batch_id: str) -> BatchState:
        """The batch's state and request counts."""

    @abstractmethod
    async def results(self, batch_id: str) -> list[BatchOutcome]:
        """The results of an ended batch (a request without one is missing here)."""

    @abstractmethod
    async def cancel(self, batch_id: str) -> BatchState:
        """Ask the provider to cancel the batch; its state after the request."""


# The built-in kinds' batch APIs, imported on first use (like the kinds table).
BATCH_APIS = {
    "openai": "orchestrator_tui.providers.openai_batch:OpenAIBatches",
    "anthropic": "orchestrator_tui.providers.anthropic_batch:AnthropicBatches",
}


def builtin_batch_api(provider: Provider) -> BatchAPI | None:
    """The batch API of a provider of a built-in kind, on its SDK client; None otherwise."""
    path = BATCH_APIS.get(provider.config.kind)
    client = getattr(provider, "client", None)
    if path is None or client is None:
        return None
    module, _, name = path.partition(":")
    cls: type[BatchAPI] = getattr(importlib.import_module(module), name)
    return cls(client, provider.name)


def split_requests(
    requests: list[BatchRequest], limits: BatchLimits, size: Callable[[BatchRequest], int]
) -> list[list[BatchRequest]]:
    """`requests` cut into parts that each fit `limits`, in order. A single request larger
    than the byte limit is a part of its own (the provider will refuse it)."""
    parts: list[list[BatchRequest]] = []
    current: list[BatchRequest] = []
    used = 0
    for request in requests:
        length = size(request)
        if current and (len(current) >= limits.max_requests or used + length > limits.max_bytes):
            parts.append(current)
            current, used = [], 0
        current.append(request)
        used += length
    if current:
        parts.append(current)
    return parts


def error_text(error: Any) -> str:
    """A readable line from an error object of either API (`{"type", "message"}`, nested)."""
    while isinstance(error, dict) and isinstance(error.get("error"), dict):
        error = error["error"]
    if isinstance(error, dict):
        kind = error.get("type") or error.get("code") or "error"
        return f"{kind}: {error.get('message') or 'no message'}"
    return str(error)
