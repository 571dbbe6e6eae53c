"""The fake server's batch endpoints: OpenAI's Files and Batches, Anthropic's Message Batches.

A batch is created as the SDK sends it and answered by the server's scripted replies when it
ends (each request takes the next `Reply` for its model, as a live call would). It ends on the
`finish_after`-th retrieve (default: the first), or never by itself (`finish_after = None`)
until the test calls `finish()`: tests drive it, never wait for time. `faults` maps a
prompt to what its request ends as instead of an answer: "errored", "expired" or "canceled".
`cancel` ends a batch at once, every request canceled. `refuse` maps a call ("upload",
"create", "retrieve", "results", "cancel", "list") to the HTTP status the server answers it
with instead (401, 500, …), or to a `Refusal` (a status a number of times, with a
`retry-after`; or no answer at all), an error whose message quotes the API key it was sent,
as a real 401 partly does: what the client prints must not.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

OPENAI_ENDED = {"completed", "cancelled", "expired", "failed"}


@dataclass
class Refusal:
    """A call answered with `status` (the next `times` calls; None: every one), with a
    `retry-after` header when given (a 429's). Status 0: no answer at all, the connection
    closed; with `done_first`, after the call has done its work (a batch created, say)."""

    status: int
    times: int | None = None
    retry_after: str | None = None
    done_first: bool = False

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"retry-after": self.retry_after}


@dataclass
class FakeBatch:
    id: str
    wire: str  # "openai" or "anthropic"
    requests: list[dict]  # {"custom_id", "body"}
    polls: int = 0
    status: str = "in_progress"
    results: list[dict] = field(default_factory=list)  # {"custom_id", "kind", "answer"}
    output_file_id: str | None = None
    error_file_id: str | None = None
    input_file_id: str | None = None  # openai
    metadata: dict | None = None  # openai
    created: float = field(default_factory=time.time)

    @property
    def ended(self) -> bool:
        return self.status in OPENAI_ENDED or self.status == "ended"


class FakeBatches:
    def __init__(self, api: Any) -> None:
        self.api = api
        self.lock = threading.Lock()
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, FakeBatch] = {}
        self.calls: list[tuple[str, str]] = []  # (method, path) of every batch-endpoint call
        self.finish_after: int | None = 1
        self.faults: dict[str, str] = {}
        self.refuse: dict[str, int | Refusal] = {}  # a call's name → how it is answered
        self.before: dict[str, Any] = {}  # a call's name → run once, before it is answered
        self.ids = itertools.count(1)

    @staticmethod
    def handles(path: str) -> bool:
        return path.startswith(("/v1/files", "/v1/batches", "/v1/messages/batches"))

    # dispatch -----------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers, raw: bytes) -> tuple[int, Any, dict]:
        """(status, a JSON-ready object or bytes for a file's content, extra headers)."""
        with self.lock:
            self.calls.append((method, path))
        parts = path.split("?")[0].strip("/").split("/")[1:]  # without "v1"
        with self.lock:
            hook = self.before.pop(call_name(method, parts), None)
        if hook is not None:
            hook()
        refused = self.refused(call_name(method, parts))
        query = dict(urllib.parse.parse_qsl(path.partition("?")[2]))
        if refused is not None and refused.done_first:
            self.answer_call(method, parts, headers, raw, query)
        if refused is not None:
            return refused.status, refusal(parts, refused.status, headers), refused.headers()
        return (*self.answer_call(method, parts, headers, raw, query), {})

    def refused(self, call: str) -> Refusal | None:
        """How `call` is refused now, if it is (a counted refusal used up is removed)."""
        with self.lock:
            refused = self.refuse.get(call)
            if isinstance(refused, int):
                return Refusal(refused)
            if refused is not None and refused.times is not None:
                refused.times -= 1
                if refused.times <= 0:
                    del self.refuse[call]
            return refused

    def answer_call(self, method: str, parts: list[str], headers, raw: bytes, query: dict):
        if parts[0] == "files":
            return self.files_endpoint(method, parts, headers, raw)
        if parts[0] == "batches":
            return self.openai_endpoint(method, parts, raw, query)
        return self.anthropic_endpoint(method, parts[2:], raw, query)

    def listing(self, wire: str, query: dict, shown) -> dict:
        """A page of the wire's batches, newest first, after the cursor (`after` for
        openai, `after_id` for anthropic), as the list endpoints page them."""
        with self.lock:
            batches = [b for b in reversed(self.batches.values()) if b.wire == wire]
        cursor = query.get("after") or query.get("after_id")
        if cursor:
            ids = [b.id for b in batches]
            batches = batches[ids.index(cursor) + 1 :] if cursor in ids else []
        limit = int(query.get("limit", 20))
        page = [shown(b) for b in batches[:limit]]
        first = page[0]["id"] if page else None
        last = page[-1]["id"] if page else None
        more = len(batches) > limit
        return {
            "object": "list",
            "data": page,
            "has_more": more,
            "first_id": first,
            "last_id": last,
        }

    def files_endpoint(self, method, parts, headers, raw):
        if method == "POST":
            fields = multipart_fields(headers.get("content-type", ""), raw)
            assert fields["purpose"] == b"batch", fields.get("purpose")
            file_id = self.new_id("file")
            self.files[file_id] = fields["file"]
            return 200, file_object(file_id, len(fields["file"]))
        if parts[1] not in self.files:
            return 404, {"error": {"message": "no such file", "type": "invalid_request_error"}}
        return 200, self.files[parts[1]]

    def openai_endpoint(self, method, parts, raw, query=None):
        if method == "GET" and len(parts) == 1:
            return 200, self.listing("openai", query or {}, self.openai_json)
        if method == "POST" and len(parts) == 1:
            body = json.loads(raw)
            assert body["endpoint"] == "/v1/chat/completions" and body["completion_window"] == "24h"
            lines = self.files[body["input_file_id"]].decode().splitlines()
            requests = [json.loads(line) for line in lines if line]
            assert all(r["method"] == "POST" and r["url"] == body["endpoint"] for r in requests)
            batch = self.create("batch", "openai", requests)
            batch.status = "validating"
            batch.input_file_id, batch.metadata = body["input_file_id"], body.get("metadata")
            return 200, self.openai_json(batch)
        batch = self.batches.get(parts[1])
        if batch is None:
            return 404, {"error": {"message": "no such batch", "type": "invalid_request_error"}}
        if method == "POST":
            self.cancel(batch)
        else:
            self.poll(batch)
        return 200, self.openai_json(batch)

    def anthropic_endpoint(self, method, parts, raw, query=None):
        if method == "GET" and not parts:
            return 200, self.listing("anthropic", query or {}, self.anthropic_json)
        if method == "POST" and not parts:
            requests = json.loads(raw)["requests"]
            return 200, self.anthropic_json(self.create("msgbatch", "anthropic", requests))
        batch = self.batches.get(parts[0])
        if batch is None:
            return 404, {"type": "error", "error": {"type": "not_found_error", "message": "?"}}
        if parts[1:] == ["results"]:
            return 200, "".join(json.dumps(r) + "\n" for r in self.anthropic_results(batch))
        if method == "POST":
            self.cancel(batch)
        else:
            self.poll(batch)
        return 200, self.anthropic_json(batch)

    # states -------------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self.ids):04d}"

    def create(self, prefix: str, wire: str, requests: list[dict]) -> FakeBatch:
        batch = FakeBatch(self.new_id(prefix), wire, requests)
        with self.lock:
            self.batches[batch.id] = batch
        return batch

    def poll(self, batch: FakeBatch) -> None:
        batch.polls += 1
        if batch.status == "validating":
            batch.status = "in_progress"
        if not batch.ended and self.finish_after is not None and batch.polls >= self.finish_after:
            self.end(batch)

    def finish(self) -> None:
        """End every open batch now: each request answered, or ended as its fault says."""
        for batch in list(self.batches.values()):
            if not batch.ended:
                self.end(batch)

    def end(self, batch: FakeBatch, cancelled: bool = False) -> None:
        for request in batch.requests:
            body = request.get("body") or request.get("params") or {}
            kind = "canceled" if cancelled else self.faults.get(last_prompt(body), "succeeded")
            answer = self.answer(batch.wire, body) if kind == "succeeded" else None
            batch.results.append(
                {"custom_id": request["custom_id"], "kind": kind, "answer": answer}
            )
        if batch.wire == "anthropic":
            batch.status = "ended"
        else:
            batch.status = "cancelled" if cancelled else "completed"
            self.write_openai_files(batch)

    def cancel(self, batch: FakeBatch) -> None:
        if not batch.ended:
            self.end(batch, cancelled=True)

    def answer(self, wire: str, body: dict) -> dict:
        from .fake_server import AnthropicWire, OpenAIWire

        reply = self.api.next_reply(body.get("model", ""))
        if self.api.echo:
            reply = replace(reply, text=f"{reply.text} You asked: {last_prompt(body)}")
        if reply.status != 200:
            return {"status": reply.status, "error": OpenAIWire.error_body(reply)}
        return (AnthropicWire if wire == "anthropic" else OpenAIWire).whole(reply, body)

    # wire formats -------------------------------------------------------------------------

    def write_openai_files(self, batch: FakeBatch) -> None:
        out: list[dict] = []
        errors: list[dict] = []
        for result in batch.results:
            line = openai_line(result)
            (out if (line.get("response") or {}).get("status_code") == 200 else errors).append(line)
        if out:
            batch.output_file_id = self.new_id("file")
            self.files[batch.output_file_id] = jsonl(out)
        if errors:
            batch.error_file_id = self.new_id("file")
            self.files[batch.error_file_id] = jsonl(errors)

    def openai_json(self, batch: FakeBatch) -> dict:
        done = [r for r in batch.results if r["kind"] == "succeeded" and "choices" in r["answer"]]
        return {
            "id": batch.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": batch.input_file_id or "file_input",
            "completion_window": "24h",
            "created_at": int(batch.created),
            "metadata": batch.metadata,
            "status": batch.status,
            "output_file_id": batch.output_file_id,
            "error_file_id": batch.error_file_id,
            "request_counts": {
                "total": len(batch.requests),
                "completed": len(done),
                "failed": len(batch.results) - len(done),
            },
        }

    def anthropic_json(self, batch: FakeBatch) -> dict:
        counts = {k: 0 for k in ("processing", "succeeded", "errored", "canceled", "expired")}
        counts["processing"] = len(batch.requests) - len(batch.results)
        for result in batch.results:
            errored = result["kind"] == "succeeded" and "error" in result["answer"]
            counts["errored" if errored else result["kind"]] += 1
        ended = batch.status == "ended"
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": batch.status,
            "request_counts": counts,
            "created_at": datetime.fromtimestamp(batch.created, UTC).isoformat(),
            "expires_at": "2026-01-02T00:00:00Z",
            "ended_at": "2026-01-01T01:00:00Z" if ended else None,
            "results_url": f"{self.api.url}/v1/messages/batches/{batch.id}/results"
            if ended
            else None,
        }

    def anthropic_results(self, batch: FakeBatch) -> list[dict]:
        lines = []
        for result in batch.results:
            answer = result["answer"]
            if result["kind"] == "succeeded" and "error" not in answer:
                inner = {"type": "succeeded", "message": answer}
            elif result["kind"] in ("succeeded", "errored"):
                error = {"type": "invalid_request_error", "message": "scripted error"}
                inner = {"type": "errored", "error": {"type": "error", "error": error}}
            else:
                inner = {"type": result["kind"]}
            lines.append({"custom_id": result["custom_id"], "result": inner})
        return lines


def call_name(method: str, parts: list[str]) -> str:
    """ "upload", "create", "list", "retrieve", "results" or "cancel" (a file's download:
    "results")."""
    if parts[0] == "files":
        return "upload" if method == "POST" else "results"
    rest = parts[1:] if parts[0] == "batches" else parts[2:]  # after "messages/batches"
    if not rest:
        return "create" if method == "POST" else "list"
    if rest[1:] == ["results"]:
        return "results"
    return "cancel" if method == "POST" else "retrieve"


def refusal(parts: list[str], status: int, headers) -> dict:
    """An error body in the wire's format, quoting the key the request carried."""
    key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
    kind = "authentication_error" if status == 401 else "api_error"
    message = f"refused ({status}); the key sent was {key}"
    if parts[0] == "messages":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "code": None, "param": None}}


def openai_line(result: dict) -> dict:
    line = {"id": "batch_req_" + result["custom_id"], "custom_id": result["custom_id"]}
    answer = result["answer"]
    if result["kind"] == "succeeded" and "error" not in answer:
        return {**line, "response": {"status_code": 200, "body": answer}, "error": None}
    if result["kind"] in ("succeeded", "errored"):
        status = (answer or {}).get("status", 400)
        body = (answer or {}).get("error") or {
            "error": {"message": "scripted error", "type": "invalid_request_error"}
        }
        return {**line, "response": {"status_code": status, "body": body}, "error": None}
    code = "batch_expired" if result["kind"] == "expired" else "batch_cancelled"
    return {**line, "response": None, "error": {"code": code, "message": f"request {code}"}}


def jsonl(lines: list[dict]) -> bytes:
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


def file_object(file_id: str, size: int) -> dict:
    return {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": 0,
        "filename": "batch.jsonl",
        "purpose": "batch",
        "status": "processed",
    }


def last_prompt(body: dict) -> str:
    messages = body.get("messages") or [{}]
    content = messages[-1].get("content", "")
    return content if isinstance(content, str) else json.dumps(content)


def multipart_fields(content_type: str, raw: bytes) -> dict[str, bytes]:
    """The fields of a multipart/form-data body, by name."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields[str(name)] = part.get_payload(decode=True)  # type: ignore[assignment]
    return fields
