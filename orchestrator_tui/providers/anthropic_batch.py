"""Anthropic's Message Batches: `messages.batches.create` with a `custom_id` and the
`params` of each request; the results come back as JSONL, each line succeeded, errored,
canceled or expired."""

from __future__ import annotations

import json
from typing import Any

from .anthropic_provider import request_body, usage_from_json
from .batch_api import (
    SKEW,
    WINDOW,
    BatchAPI,
    BatchOutcome,
    BatchRequest,
    BatchState,
    Search,
    Submission,
    error_text,
)


class AnthropicBatches(BatchAPI):
    kind = "anthropic"

    def entry(self, request: BatchRequest) -> dict[str, Any]:
        return {
            "custom_id": request.custom_id,
            "params": request_body(request.model, request.params),
        }

    def line(self, request: BatchRequest) -> bytes:
        text = json.dumps(self.entry(request), ensure_ascii=False)
        return text.encode("utf-8", "surrogatepass")

    async def create(self, requests: list[BatchRequest], file_id: str | None, token: str) -> str:
        entries = [self.entry(request) for request in requests]
        batch = await self.client().messages.batches.create(requests=entries)
        return str(batch.id)

    async def find(self, submission: Submission) -> Search:
        """A Message Batch keeps no tag: the batches made around the submission's time with
        as many requests are its candidates, and an ended one is it when its results carry
        the submission's custom ids (random, so they are no one else's). A candidate still
        running cannot be told yet: it is `pending`. The batches orch already tracks are no
        candidates."""
        pending: list[str] = []
        async for batch in self.client().messages.batches.list(limit=100):
            created = batch.created_at.timestamp()
            if created < submission.created - SKEW:
                break
            if created > submission.created + WINDOW or size(batch) != submission.requests:
                continue
            if str(batch.id) in submission.tracked:  # another of orch's, known already
                continue
            if batch.processing_status != "ended":
                pending.append(str(batch.id))
            elif await self.first_custom_id(str(batch.id)) in submission.custom_ids:
                return Search(str(batch.id))
        return Search(None, tuple(pending))

    async def first_custom_id(self, batch_id: str) -> str | None:
        decoder = await self.client().messages.batches.results(batch_id)
        try:
            async for item in decoder:
                return str(item.custom_id)
        finally:
            await decoder.close()
        return None

    async def retrieve(self, batch_id: str) -> BatchState:
        return state_of(await self.client().messages.batches.retrieve(batch_id))

    async def cancel(self, batch_id: str) -> BatchState:
        return state_of(await self.client().messages.batches.cancel(batch_id))

    async def results(self, batch_id: str) -> list[BatchOutcome]:
        decoder = await self.client().messages.batches.results(batch_id)
        return [outcome(item.model_dump(mode="json")) async for item in decoder]


def size(batch: Any) -> int:
    """How many requests the batch holds, whatever became of them."""
    return sum(batch.request_counts.model_dump().values())


def state_of(batch: Any) -> BatchState:
    counts = batch.request_counts.model_dump()
    finished = sum(value for key, value in counts.items() if key != "processing")
    total = finished + counts.get("processing", 0)
    return BatchState(
        batch.id,
        batch.processing_status,
        batch.processing_status == "ended",
        counts,
        total,
        finished,
    )


def outcome(line: dict[str, Any]) -> BatchOutcome:
    """One line of the results."""
    custom_id = str(line.get("custom_id"))
    result = line.get("result") or {}
    kind = result.get("type")
    if kind != "succeeded":
        error = error_text(result.get("error")) if result.get("error") else None
        return BatchOutcome(custom_id, str(kind or "errored"), error=error)
    message = result.get("message") or {}
    text = "".join(
        b.get("text", "") for b in message.get("content") or [] if b.get("type") == "text"
    )
    usage = usage_from_json(message["usage"]) if message.get("usage") else None
    return BatchOutcome(custom_id, "succeeded", text, usage, message.get("stop_reason"))
