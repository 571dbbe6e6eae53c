"""OpenAI's Batch API: the requests uploaded as a JSONL file (`purpose="batch"`, one line per
request with `custom_id`, `method`, `url` and `body`), then `batches.create`; the answers come
back in an output file, the per-request failures in an error file."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from .base import CallParams
from .batch_api import (
    SKEW,
    BatchAPI,
    BatchOutcome,
    BatchRequest,
    BatchState,
    Search,
    Submission,
    error_text,
)
from .openai_provider import request_body, usage_from_json

ENDPOINT = "/v1/chat/completions"
ENDED = {"completed", "failed", "expired", "cancelled"}
TOKEN_KEY = "orch_submission"  # the batch's metadata: the submission token orch recorded


class OpenAIBatches(BatchAPI):
    kind = "openai"

    def line(self, request: BatchRequest) -> bytes:
        body = request_body(request.model, unstreamed(request.params))
        entry = {"custom_id": request.custom_id, "method": "POST", "url": ENDPOINT, "body": body}
        return (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")

    async def upload(self, requests: list[BatchRequest]) -> str:
        data = b"".join(self.line(request) for request in requests)
        uploaded = await self.client().files.create(file=("batch.jsonl", data), purpose="batch")
        return str(uploaded.id)

    async def create(self, requests: list[BatchRequest], file_id: str | None, token: str) -> str:
        batch = await self.client().batches.create(
            input_file_id=str(file_id),
            endpoint=ENDPOINT,
            completion_window="24h",
            metadata={TOKEN_KEY: token},
        )
        return str(batch.id)

    async def find(self, submission: Submission) -> Search:
        """Its batch holds the token in its metadata and the file as its input: the batches
        listed newest first, down to those made well before the submission was recorded."""
        if submission.file_id is None:
            return Search()  # a batch is only created once its file's id is recorded
        async for batch in self.client().batches.list(limit=100):
            token = (batch.metadata or {}).get(TOKEN_KEY)
            if token == submission.token or batch.input_file_id == submission.file_id:
                return Search(str(batch.id))
            if batch.created_at < submission.created - SKEW:
                break
        return Search()

    async def retrieve(self, batch_id: str) -> BatchState:
        return state_of(await self.client().batches.retrieve(batch_id))

    async def cancel(self, batch_id: str) -> BatchState:
        return state_of(await self.client().batches.cancel(batch_id))

    async def results(self, batch_id: str) -> list[BatchOutcome]:
        client = self.client()
        batch = await client.batches.retrieve(batch_id)
        outcomes: list[BatchOutcome] = []
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                content = await client.files.content(file_id)
                outcomes += [
                    outcome(json.loads(line)) for line in content.text.splitlines() if line
                ]
        return outcomes


def unstreamed(params: CallParams) -> CallParams:
    return replace(params, stream=False)


def state_of(batch: Any) -> BatchState:
    counts = batch.request_counts
    done = {"completed": counts.completed, "failed": counts.failed} if counts else {}
    total = counts.total if counts else 0
    return BatchState(
        batch.id, batch.status, batch.status in ENDED, done, total, sum(done.values())
    )


def outcome(line: dict[str, Any]) -> BatchOutcome:
    """One line of the output or error file."""
    custom_id = str(line.get("custom_id"))
    response = line.get("response") or {}
    if line.get("error"):
        error = line["error"]
        code = str(error.get("code", ""))
        kind = "expired" if "expired" in code else "canceled" if "cancel" in code else "errored"
        return BatchOutcome(custom_id, kind, error=error_text(error))
    body = response.get("body") or {}
    if response.get("status_code") != 200 or "error" in body:
        status = response.get("status_code")
        return BatchOutcome(custom_id, "errored", error=f"{status}: {error_text(body)}")
    text, stop = "", None
    for choice in body.get("choices") or []:
        text += (choice.get("message") or {}).get("content") or ""
        stop = choice.get("finish_reason") or stop
    usage = usage_from_json(body["usage"]) if body.get("usage") else None
    return BatchOutcome(custom_id, "succeeded", text, usage, stop)
