"""A loopback HTTP server that speaks Anthropic's and OpenAI's wire formats, streamed or not.

The real SDK clients talk to it over TCP. Each request takes the next scripted `Reply` for its
model (or for any model), else a default answer: text, usage, stops, errors with retry-after,
delays, truncated streams and connections dropped mid-stream. A request that does not ask for
a stream (`"stream": true` absent) gets the same answer as one JSON body, with the faults that
fit one. The batch endpoints (OpenAI's Files and Batches, Anthropic's Message Batches) are
in `fake_batches`, reached through `api.batches`. A `Gate` holds a reply at a point until the
test releases it, and tells the test when the reply got there: tests wait for that, never for
an amount of time.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .fake_batches import FakeBatches

DEFAULT_TEXT = (
    "The capital of France is Paris. This is clearly established and confirmed by "
    "every atlas, so the answer is definitely Paris, the largest city of France."
)


@dataclass
class Gate:
    """Holds a reply before its headers (`after=None`) or after `after` text chunks (sent and
    flushed; a reply not streamed: after its headers, before its body) until the test calls
    `release`; `reached` is set when the reply gets there."""

    after: int | None = None
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def wait(self, timeout: float = 30.0) -> None:
        """Block until the reply is held here (a failed assertion after `timeout` seconds)."""
        assert self.reached.wait(timeout), "the reply never reached its gate"

    def release(self) -> None:
        self.released.set()

    def hold(self) -> None:
        self.reached.set()
        self.released.wait(timeout=300)


@dataclass
class Reply:
    text: str = DEFAULT_TEXT
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error_type: str = "api_error"
    input_tokens: int = 25
    cached_tokens: int = 0
    output_tokens: int | None = None  # default: one per word
    delay_before_headers: float = 0.0
    chunk_delay: float = 0.0
    rate: float | None = None  # text chunks per second, on a schedule from the first chunk
    truncate: bool = False  # end the stream cleanly but without a stop event
    break_after: int | None = None  # drop the connection after this many text chunks
    stream_error: str | None = None  # an in-stream error of this type after the text
    malformed_after: int | None = None  # a `data:` line that is not JSON after N text chunks
    cut_before_usage: bool = False  # openai: end after finish_reason, before the usage chunk
    omit_usage: bool = False  # not streamed: a whole answer without its `usage`
    drop_before_headers: bool = False  # close the connection without answering
    gate: Gate | None = None  # hold the reply there until the test releases it (a stall)

    def chunks(self) -> list[str]:
        words = self.text.split(" ")
        return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]

    def out_tokens(self) -> int:
        return self.output_tokens if self.output_tokens is not None else len(self.text.split())


class LoopbackServer(ThreadingHTTPServer):
    request_queue_size = 1024  # many concurrent clients (benchmarks) must not be refused
    daemon_threads = True


class FakeAPI:
    """Start with `with FakeAPI() as api:`; `api.url` is the root (openai: `api.url + "/v1"`)."""

    def __init__(self, default: Reply | None = None, port: int = 0):
        self.default = default or Reply()
        self.defaults: dict[str, Reply] = {}  # a model's own default reply
        self.scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)  # notified as each request is recorded
        self.closed = threading.Event()  # set on exit: simulated latency ends with the server
        self.gates: list[Gate] = []  # released on exit, so no handler thread stays blocked
        self.server = LoopbackServer(("127.0.0.1", port), make_handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.rate_limit: tuple[int, float] | None = None  # (requests, per seconds) → 429
        self.echo = False  # True: each answer ends with the request's last message
        self.admitted: deque[float] = deque()
        self.rejected = 0
        self.batches = FakeBatches(self)  # the batch endpoints' state and switches
        self.on_stream: Callable[[str, str, int], None] | None = (
            None  # called with (event, model, text chunks) as a stream starts, ends
        )

    def script(self, *replies: Reply, model: str = "*") -> None:
        with self.lock:
            self.scripts[model].extend(replies)
            self.gates.extend(reply.gate for reply in replies if reply.gate is not None)

    def over_rate_limit(self) -> bool:
        """A sliding-window limit like a provider's: True means answer 429."""
        if self.rate_limit is None:
            return False
        limit, window = self.rate_limit
        with self.lock:
            now = time.monotonic()
            while self.admitted and self.admitted[0] <= now - window:
                self.admitted.popleft()
            if len(self.admitted) >= limit:
                self.rejected += 1
                return True
            self.admitted.append(now)
            return False

    def next_reply(self, model: str) -> Reply:
        if self.over_rate_limit():
            return Reply(status=429, error_type="rate_limit_error", headers={"retry-after": "1"})
        with self.lock:
            for key in (model, "*"):
                if self.scripts[key]:
                    return self.scripts[key].popleft()
        return self.defaults.get(model, self.default)

    def record(self, path: str, headers, body: dict) -> None:
        with self.lock:
            self.requests.append(
                {
                    "path": path,
                    "body": body,
                    "headers": {k.lower(): v for k, v in headers.items()},
                    "time": time.monotonic(),
                }
            )
            self.arrived.notify_all()

    def wait_for_requests(self, count: int, timeout: float = 60.0) -> None:
        """Block until the server has received `count` requests in all."""
        with self.arrived:
            reached = self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)
        assert reached, f"the server never received {count} requests ({len(self.requests)})"

    def pause(self, seconds: float) -> None:
        """The server's own latency (a slow API), cut short when the server closes."""
        self.closed.wait(seconds)

    def calls(self, model: str | None = None) -> list[dict]:
        return [r for r in self.requests if model is None or r["body"].get("model") == model]

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.closed.set()
        for gate in self.gates:
            gate.release()
        self.server.shutdown()
        self.server.server_close()


def make_handler(api: FakeAPI):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def setup(self):
            super().setup()  # small SSE writes must not wait for Nagle's algorithm
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self):
            self.send_batch_reply("GET", b"")

        def send_batch_reply(self, method: str, raw: bytes) -> None:
            status, payload, extra = api.batches.handle(method, self.path, self.headers, raw)
            if status == 0:  # no answer: the connection closes
                self.close_connection = True
                return
            data = payload if isinstance(payload, bytes | str) else json.dumps(payload)
            data = data.encode() if isinstance(data, str) else data
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            if api.batches.handles(self.path):
                self.send_batch_reply("POST", raw)
                return
            body = json.loads(raw or b"{}")
            api.record(self.path, self.headers, body)
            reply = api.next_reply(body.get("model", ""))
            if api.echo and reply.status == 200:
                reply = replace(reply, text=f"{reply.text} You asked: {last_message(body)}")
            api.pause(reply.delay_before_headers)
            if reply.gate is not None and reply.gate.after is None:
                reply.gate.hold()
            if reply.drop_before_headers:
                self.connection.shutdown(2)
                self.close_connection = True
                return
            wire = AnthropicWire if self.path.endswith("/messages") else OpenAIWire
            try:
                if reply.status != 200:
                    self.send_error_reply(reply, wire)
                elif body.get("stream"):
                    self.send_stream(reply, wire, body)
                else:
                    self.send_whole(reply, wire, body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def send_error_reply(self, reply: Reply, wire) -> None:
            payload = json.dumps(wire.error_body(reply)).encode()
            self.send_response(reply.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        def send_stream(self, reply: Reply, wire, body: dict) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            if api.on_stream:
                api.on_stream("stream_start", body.get("model", ""), 0)
            for kind, data in wire.events(reply, body):
                if kind == "break":
                    self.wfile.write(b"400\r\npartial")  # promise 1 KiB, send 7 bytes, hang up
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                if kind == "sleep":
                    api.pause(data)
                    continue
                if kind == "malformed":
                    self.write_chunk(wire.MALFORMED)
                    continue
                if kind == "hold":
                    data.hold()
                    continue
                self.write_chunk(wire.frame(kind, data))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            if api.on_stream:
                api.on_stream("stream_end", body.get("model", ""), len(reply.chunks()))

        def send_whole(self, reply: Reply, wire, body: dict) -> None:
            """The answer not streamed: one JSON body, sent when the whole text is ready
            (after `chunk_delay` per chunk). Its faults: no stop reason (`truncate`), no usage
            (`omit_usage`), a body that is not JSON (`malformed_after`), an error object with
            status 200 (`stream_error`), the connection dropped mid-body (`break_after`), a
            stall after the headers (a gate with any `after`)."""
            if reply.chunk_delay:
                api.pause(reply.chunk_delay * len(reply.chunks()))
            if reply.malformed_after is not None:
                payload = wire.MALFORMED_WHOLE.encode()
            elif reply.stream_error:
                payload = json.dumps(wire.error_body(reply, reply.stream_error)).encode()
            else:
                payload = json.dumps(wire.whole(reply, body)).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.flush()
            if reply.gate is not None and reply.gate.after is not None:
                reply.gate.hold()
            if reply.break_after is not None:
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.connection.shutdown(2)
                return
            self.wfile.write(payload)
            self.wfile.flush()

        def write_chunk(self, text: str) -> None:
            raw = text.encode()
            self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
            self.wfile.flush()

    return Handler


def last_message(body: dict) -> str:
    messages = body.get("messages") or [{}]
    content = messages[-1].get("content", "")
    return content if isinstance(content, str) else json.dumps(content)


def text_events(reply: Reply, make_event):
    """The text chunks, with the faults scripted to happen after the first N of them."""
    started = time.monotonic()
    for index, chunk in enumerate(reply.chunks()):
        if reply.rate:  # chunk N leaves at N / rate seconds: a slow sleep does not slow the rest
            due = started + index / reply.rate - time.monotonic()
            if due > 0:
                yield "sleep", due
        if reply.gate is not None and reply.gate.after == index:
            yield "hold", reply.gate
        if reply.break_after is not None and index >= reply.break_after:
            yield "break", None
            return
        if reply.malformed_after is not None and index == reply.malformed_after:
            yield "malformed", None
        if reply.chunk_delay:
            yield "sleep", reply.chunk_delay
        yield make_event(chunk)


class AnthropicWire:
    MALFORMED = 'event: content_block_delta\ndata: {"type": "content_block_delta", "ind\n\n'
    MALFORMED_WHOLE = '{"id": "msg_fake", "type": "message", "content": [{"type": "te'

    @staticmethod
    def frame(kind: str, data: dict) -> str:
        return f"event: {kind}\ndata: {json.dumps(data)}\n\n"

    @staticmethod
    def error_body(reply: Reply, error_type: str | None = None) -> dict:
        return {
            "type": "error",
            "error": {"type": error_type or reply.error_type, "message": "scripted error"},
        }

    @staticmethod
    def whole(reply: Reply, body: dict) -> dict:
        answer: dict[str, Any] = {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": [{"type": "text", "text": reply.text}],
            "stop_reason": None if reply.truncate else "end_turn",
            "stop_sequence": None,
        }
        if not reply.omit_usage:
            answer["usage"] = {
                "input_tokens": reply.input_tokens - reply.cached_tokens,
                "output_tokens": reply.out_tokens(),
                "cache_read_input_tokens": reply.cached_tokens,
            }
        return answer

    @staticmethod
    def events(reply: Reply, body: dict):
        usage = {
            "input_tokens": reply.input_tokens - reply.cached_tokens,
            "output_tokens": 1,
            "cache_read_input_tokens": reply.cached_tokens,
        }
        message: dict[str, Any] = {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": body.get("model"),
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        yield "message_start", {"type": "message_start", "message": message}
        yield (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        )
        yield "ping", {"type": "ping"}
        for item in text_events(
            reply,
            lambda chunk: (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": chunk},
                },
            ),
        ):
            yield item
            if item[0] == "break":
                return
        if reply.stream_error:
            yield (
                "error",
                {"type": "error", "error": {"type": reply.stream_error, "message": "Overloaded"}},
            )
            return
        yield "content_block_stop", {"type": "content_block_stop", "index": 0}
        if reply.truncate or reply.cut_before_usage:
            return
        yield (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": reply.out_tokens()},
            },
        )
        yield "message_stop", {"type": "message_stop"}


class OpenAIWire:
    MALFORMED = 'data: {"id": "chatcmpl-fake", "choices": [{"delta": {"cont\n\n'
    MALFORMED_WHOLE = '{"id": "chatcmpl-fake", "object": "chat.completion", "choices": [{"mes'

    @staticmethod
    def frame(kind: str, data) -> str:
        return f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n"

    @staticmethod
    def error_body(reply: Reply, error_type: str | None = None) -> dict:
        return {
            "error": {
                "message": "scripted error",
                "type": error_type or reply.error_type,
                "param": None,
                "code": None,
            }
        }

    @staticmethod
    def usage(reply: Reply) -> dict:
        return {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.out_tokens(),
            "total_tokens": reply.input_tokens + reply.out_tokens(),
            "prompt_tokens_details": {"cached_tokens": reply.cached_tokens},
        }

    @classmethod
    def whole(cls, reply: Reply, body: dict) -> dict:
        answer: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": None if reply.truncate else "stop",
                }
            ],
        }
        if not reply.omit_usage:
            answer["usage"] = cls.usage(reply)
        return answer

    @staticmethod
    def chunk(body: dict, delta: dict, finish=None) -> dict:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": body.get("model"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    @classmethod
    def events(cls, reply: Reply, body: dict):
        yield "data", cls.chunk(body, {"role": "assistant", "content": ""})
        for item in text_events(reply, lambda c: ("data", cls.chunk(body, {"content": c}))):
            yield item
            if item[0] == "break":
                return
        if reply.stream_error:
            yield (
                "data",
                {
                    "error": {
                        "message": "Overloaded",
                        "type": reply.stream_error,
                        "param": None,
                        "code": None,
                    }
                },
            )
            return
        if reply.truncate:
            return
        yield "data", cls.chunk(body, {}, "stop")
        if reply.cut_before_usage:
            return
        if body.get("stream_options", {}).get("include_usage"):
            yield (
                "data",
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": body.get("model"),
                    "choices": [],
                    "usage": cls.usage(reply),
                },
            )
        yield "data", "[DONE]"


def serve(
    latency: float,
    rate_limit: str | None,
    model_latency: Sequence[str] = (),
    echo: bool = False,
    tokens: int | None = None,
    rate: float | None = None,
    progress: bool = False,
) -> None:
    """Run a server in its own process for benchmarks: prints its URL, stops on stdin EOF.
    `model_latency`: "MODEL=SECONDS" items, that model's delay before headers. `echo`: each
    answer ends with the prompt, so that answers to different prompts differ. `tokens`: each
    answer is that many numbered words ("t0 t1 …", a paragraph every 50), streamed at `rate`
    words per second when given. `progress`: a JSON line on stdout as each stream starts and
    ends ({"event": "stream_start"|"stream_end", "model", "chunks", "time"})."""
    import sys

    text = "Paris is the capital of France."
    if tokens:
        text = " ".join(
            f"t{index}" + ("\n\n" if index % 50 == 49 else "") for index in range(tokens)
        )
    answer = Reply(text=text, delay_before_headers=latency, rate=rate)
    api = FakeAPI(answer)
    api.echo = echo
    for item in model_latency:
        model, seconds = item.split("=")
        api.defaults[model] = replace(answer, delay_before_headers=float(seconds))
    if rate_limit:
        count, seconds = rate_limit.split("/")
        api.rate_limit = (int(count), float(seconds))
    if progress:
        printing = threading.Lock()

        def report(event: str, model: str, chunks: int) -> None:
            line = {"event": event, "model": model, "chunks": chunks, "time": time.monotonic()}
            with printing:
                print(json.dumps(line), flush=True)

        api.on_stream = report
    with api:
        print(api.url, flush=True)
        sys.stdin.read()
        times = [request["time"] for request in api.requests] or [None]
        counts = {"requests": len(api.requests), "rejected": api.rejected}
        # time.monotonic() is the system's: a benchmark compares it with its own
        counts.update(first=times[0], last=times[-1])
        print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--rate-limit", help="COUNT/SECONDS, answered with 429 beyond it")
    parser.add_argument(
        "--model-latency",
        action="append",
        default=[],
        help="MODEL=SECONDS: that model's latency (repeatable)",
    )
    parser.add_argument("--echo", action="store_true", help="end each answer with the prompt")
    parser.add_argument("--tokens", type=int, help="answers of N numbered words (t0 t1 …)")
    parser.add_argument("--rate", type=float, help="stream R words (tokens) per second")
    parser.add_argument(
        "--progress", action="store_true", help="a JSON line as each stream starts and ends"
    )
    arguments = parser.parse_args()
    serve(
        arguments.latency,
        arguments.rate_limit,
        arguments.model_latency,
        arguments.echo,
        arguments.tokens,
        arguments.rate,
        arguments.progress,
    )
