"""Getting an SDK ready off the event loop, once per process.

`import anthropic` takes about 1.4 s of CPU here, and an SDK's first call another 50–90 ms
(lazy imports, pydantic type adapters for the stream's events). Both happen in a daemon thread
before any clock starts: the SDK is imported, the TLS context loaded, and one rehearsal call
is made against a canned answer in memory (httpx2's MockTransport), through the provider's
own streaming code. A daemon thread, not the loop's executor, which a process waits for at
exit: a command that no longer needs the SDK exits at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import threading
from typing import Any, Protocol


class Rehearsing(Protocol):
    """A provider that can make one call to a canned answer (`SDKProvider`)."""

    sdk_name: str

    async def rehearse(self) -> None: ...


_readiness: dict[str, concurrent.futures.Future[None]] = {}
_lock = threading.Lock()


def _forget_unfinished_after_fork() -> None:
    """A forked child has none of its parent's threads: a rehearsal still under way there
    would never finish here, so the child starts its own (finished ones carry over)."""
    global _lock
    for name in [name for name, future in _readiness.items() if not future.done()]:
        del _readiness[name]
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_unfinished_after_fork)


def get_ready(provider: Rehearsing) -> concurrent.futures.Future[None]:
    """Start getting `provider`'s SDK ready (once per process); the future is done when it
    has ended, well or not: a failure raises again, classified, when a real call is made."""
    with _lock:
        future = _readiness.get(provider.sdk_name)
        if future is None:
            future = _readiness[provider.sdk_name] = concurrent.futures.Future()
            future.set_running_or_notify_cancel()  # no waiter can cancel it for the others
            threading.Thread(
                target=run_rehearsal,
                args=(provider, future),
                daemon=True,
                name=f"orch-ready-{provider.sdk_name}",
            ).start()
    return future


def run_rehearsal(provider: Rehearsing, future: concurrent.futures.Future[None]) -> None:
    try:
        asyncio.run(provider.rehearse())
    except Exception:  # noqa: BLE001 (a real call reports it, classified)
        pass
    finally:
        future.set_result(None)


def rehearsal_transport(streamed: bytes, whole: bytes) -> Any:
    """An httpx2 transport in memory that answers a request asking for a stream with
    `streamed` (server-sent events) and any other with `whole` (one JSON body)."""
    import httpx2

    def answer(request: httpx2.Request) -> httpx2.Response:
        if json.loads(request.content or b"{}").get("stream"):
            return httpx2.Response(
                200, headers={"content-type": "text/event-stream"}, content=streamed
            )
        return httpx2.Response(200, headers={"content-type": "application/json"}, content=whole)

    return httpx2.MockTransport(answer)


def sse(events: list[tuple[str | None, object]]) -> bytes:
    """Server-sent events: `event:` lines where named, `data:` as JSON (or as given)."""
    frames = []
    for name, data in events:
        head = f"event: {name}\n" if name else ""
        body = data if isinstance(data, str) else json.dumps(data)
        frames.append(f"{head}data: {body}\n\n")
    return "".join(frames).encode()


ANTHROPIC_REHEARSAL = sse(
    [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "rehearsal",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": "rehearsal",
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 1, "output_tokens": 1},
                },
            },
        ),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "ok"},
            },
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "usage": {"output_tokens": 1},
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
)

OPENAI_REHEARSAL = sse(
    [
        (
            None,
            {
                "id": "rehearsal",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "rehearsal",
                "choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}],
            },
        ),
        (
            None,
            {
                "id": "rehearsal",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "rehearsal",
                "choices": [],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        ),
        (None, "[DONE]"),
    ]
)

ANTHROPIC_REHEARSAL_WHOLE = json.dumps(
    {
        "id": "rehearsal",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": "ok"}],
        "model": "rehearsal",
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
).encode()

OPENAI_REHEARSAL_WHOLE = json.dumps(
    {
        "id": "rehearsal",
        "object": "chat.completion",
        "created": 0,
        "model": "rehearsal",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "ok"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
).encode()


def rehearsals_running() -> bool:
    """An SDK is still being readied in a daemon thread."""
    return any(not future.done() for future in list(_readiness.values()))
