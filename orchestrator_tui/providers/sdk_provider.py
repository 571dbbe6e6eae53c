"""What the two official-SDK providers share: a lazily built client per event loop with the
SDK's own retries off, the SDK made ready in a thread before the first call (see `warmup`),
and the translation of everything a stream can raise into a classified ProviderError. Both
SDKs have the same exception shapes (`status_code`, `response.headers`, `body`).

A call not streamed (`CallParams.stream` False, as a batch makes them) is POSTed through the
SDK client's documented `post(path, cast_to=httpx.Response)`, its interface for raw requests:
the SDK's auth, base URL, headers, timeouts and error classes, but neither its request
transform nor its typed answer, which are most of an SDK's CPU per call; the answer's JSON is
read here.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import ssl
from abc import abstractmethod
from collections.abc import AsyncGenerator
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..types import Message, ModelConfig, ProviderConfig, Usage
from .base import (
    CallParams,
    Provider,
    ProviderError,
    StartPart,
    StopPart,
    StreamPart,
    TextPart,
    UsagePart,
    classify_exception,
    describe_status,
    kind_for_error_type,
    kind_for_status,
    parse_retry_after,
)
from .warmup import get_ready, rehearsal_transport

if TYPE_CHECKING:
    from ..config import TimeoutSettings

# The SDK is imported by name (`sdk`), so its client, errors and events are typed `Any` here.
Client = Any

READ_GRACE = 1.0  # seconds the SDK's read timeout allows beyond the engine's first-token one


class SDKProvider(Provider):
    """A provider backed by an official SDK module, imported on the first call."""

    sdk_name: str
    rehearsal: bytes  # a canned stream in the provider's wire format (see `warmup`)
    rehearsal_whole: bytes  # the same answer not streamed: one JSON body

    def __init__(
        self, config: ProviderConfig, timeouts: TimeoutSettings, environ: dict[str, str]
    ) -> None:
        super().__init__(config, timeouts, environ)
        self._clients: dict[asyncio.AbstractEventLoop, Client] = {}  # loop → its client
        self._whole_timeout: Any = None

    def sdk(self) -> ModuleType:
        return importlib.import_module(self.sdk_name)

    def prepare(self) -> None:
        get_ready(self)

    async def warm(self) -> None:
        future = get_ready(self)
        if not future.done():
            await asyncio.wrap_future(future)

    async def rehearse(self) -> None:
        """A call streamed and one not to the canned answers, in memory: they import and
        build what a first call of either kind would (run in a thread by `warmup`, on an
        event loop of its own)."""
        import httpx2

        shared_tls_context()
        transport = rehearsal_transport(self.rehearsal, self.rehearsal_whole)
        sdk = self.sdk()
        client = self.make_client(sdk, sdk.Timeout(5.0), httpx2.AsyncClient(transport=transport))
        model = ModelConfig(name="rehearsal", provider=self.name)
        try:
            for stream in (True, False):
                params = CallParams([Message("user", "hi")], None, 1, None, stream=stream)
                async for _ in self.call(client, model, params):
                    pass
        finally:
            await client.close()

    def client(self) -> Client:
        """The SDK client of the running event loop, made on its first call there: an async
        client's pooled connections belong to the loop that opened them, so an engine reused
        across `asyncio.run` calls needs one client per loop."""
        loop = asyncio.get_running_loop()
        if loop not in self._clients:
            self.forget_closed_loops()
            sdk = self.sdk()
            # The engine keeps the first-token and total deadlines; the SDK's read timeout
            # catches a stream that stalls mid-way for as long as a first token may take.
            timeout = sdk.Timeout(
                self.timeouts.total,
                connect=self.timeouts.connect,
                read=self.timeouts.first_token + READ_GRACE,
            )
            self._clients[loop] = self.make_client(sdk, timeout, self.http_client(sdk))
        return self._clients[loop]

    def forget_closed_loops(self) -> None:
        """Drop the clients of closed loops: their connections died with the loop and cannot
        be closed from another one."""
        for loop in [loop for loop in self._clients if loop.is_closed()]:
            del self._clients[loop]

    def http_client(self, sdk: ModuleType) -> Any:
        """The SDK's default HTTP client, on the process's one TLS context."""
        return sdk.DefaultAsyncHttpxClient(verify=shared_tls_context())

    @abstractmethod
    def make_client(self, sdk: ModuleType, timeout: Any, http_client: Any) -> Client:
        """The SDK's async client, with `max_retries=0`, the timeout and the HTTP client."""

    @abstractmethod
    def _stream(
        self, client: Client, model: ModelConfig, params: CallParams
    ) -> AsyncGenerator[StreamPart, None]:
        """The call itself, streamed, with `client`; may raise the SDK's exceptions."""

    @abstractmethod
    def whole_request(self, model: ModelConfig, params: CallParams) -> tuple[str, dict[str, Any]]:
        """The call not streamed: the API path (under the client's base URL) and JSON body."""

    @abstractmethod
    def read_whole(self, answer: dict[str, Any]) -> list[StreamPart]:
        """The parts of a whole answer's JSON object; may raise KeyError, TypeError and the
        like on an unexpected shape (classified as malformed by `_whole`)."""

    async def post_stream(self, client: Client, path: str, body: dict[str, Any]) -> Any:
        """POST a streamed call through the SDK (its auth, base URL, status errors, SSE
        decoding and in-stream error events) with each event left as its JSON object: the SDK's
        typed events cost more CPU than the rest of the stream's handling (py-spy, the TUI
        streaming three answers at 100 tokens/s)."""
        sdk = self.sdk()
        return await client.post(
            path, body=body, cast_to=object, stream=True, stream_cls=sdk.AsyncStream[object]
        )

    async def post_whole(self, client: Client, path: str, body: dict[str, Any]) -> Any:
        """POST a call not streamed through the SDK (its auth, base URL, status errors), with
        the body sent as given and the answer left as the raw httpx2 response, its body read:
        the typed `create` spends more CPU on transforming the request and building the answer
        than the rest of the call (tests/benchmarks/batch.py). The timeout is `whole_timeout`."""
        import httpx2

        return await client.post(
            path, body=body, cast_to=httpx2.Response, options={"timeout": self.whole_timeout()}
        )

    def call(
        self, client: Client, model: ModelConfig, params: CallParams
    ) -> AsyncGenerator[StreamPart, None]:
        return (
            self._stream(client, model, params)
            if params.stream
            else self._whole(client, model, params)
        )

    async def _whole(
        self, client: Client, model: ModelConfig, params: CallParams
    ) -> AsyncGenerator[StreamPart, None]:
        """The call not streamed: the same parts a stream yields, at once. An error status
        raises the SDK's exception before anything is read, as for a stream."""
        response = await self.post_whole(client, *self.whole_request(model, params))
        yield StartPart()
        answer = answer_json(response.content, self.name)
        error = answer_error(answer, self.name)
        if error is not None:
            raise error
        try:
            parts = self.read_whole(answer)
        except (LookupError, TypeError, AttributeError, ValueError) as exc:
            raise ProviderError(
                f"{self.name}: unreadable answer ({type(exc).__name__}: {exc})", kind="malformed"
            ) from exc
        for part in parts:
            yield part

    def whole_timeout(self) -> Any:
        """The SDK timeout of a call not streamed: its headers come only once the whole
        answer is ready, so the read timeout is the engine's total deadline (which cuts the
        call first), not the first token's."""
        if self._whole_timeout is None:
            total = self.timeouts.total + READ_GRACE
            self._whole_timeout = self.sdk().Timeout(total, connect=self.timeouts.connect)
        return self._whole_timeout

    async def stream(
        self, model: ModelConfig, params: CallParams
    ) -> AsyncGenerator[StreamPart, None]:
        sdk = self.sdk()
        try:
            async for part in self.call(self.client(), model, params):
                yield part
        except ProviderError:
            raise
        except Exception as exc:  # whatever reading the stream raised, classified
            raise translate(exc, sdk, self.name) from exc

    async def aclose(self) -> None:
        """Close the running loop's client (other live loops keep theirs)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        self.forget_closed_loops()
        if client is not None:
            await client.close()


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """Loading the CA bundle takes about 50 ms here; every client would do it again."""
    import httpx2

    return httpx2.create_ssl_context()


def answer_json(content: bytes, provider: str) -> dict[str, Any]:
    """A whole answer's JSON object; a body that is not one is malformed (retried)."""
    try:
        answer = json.loads(content)
    except ValueError as exc:  # also a body that is not UTF-8
        raise ProviderError(
            f"{provider}: unreadable answer ({type(exc).__name__}: {exc})", kind="malformed"
        ) from exc
    if not isinstance(answer, dict):
        raise ProviderError(
            f"{provider}: unreadable answer (a JSON {type(answer).__name__}, not an object)",
            kind="malformed",
        )
    return answer


def answer_error(answer: dict[str, Any], provider: str) -> ProviderError | None:
    """An error reported in a body that came with status 200 (`{"error": {…}}`, Anthropic's
    `{"type": "error", …}`): the same kind as the same error in a stream."""
    inner = answer.get("error")
    if inner is None or (answer.get("type") not in (None, "error")):
        return None
    detail = inner.get("message") if isinstance(inner, dict) else inner
    error_type = str(inner.get("type") or "") if isinstance(inner, dict) else ""
    return ProviderError(
        f"{provider}: error in the answer: {detail}", kind=kind_for_error_type(error_type)
    )


def parts_of(text: str, usage: Usage | None, stop: str | None) -> list[StreamPart]:
    """A whole answer's parts, in a stream's order: text, usage, stop (none: truncated)."""
    parts: list[StreamPart] = [TextPart(text)] if text else []
    if usage is not None:
        parts.append(UsagePart(usage))
    if stop is not None:
        parts.append(StopPart(stop))
    return parts


def error_detail(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(getattr(exc, "message", None) or exc) or type(exc).__name__


def error_type_in_body(exc: Exception) -> str:
    """The error's `type` from its body: `{"error": {"type": …}}` or `{"type": …}`."""
    body = getattr(exc, "body", None)
    inner = body.get("error", body) if isinstance(body, dict) else None
    return str(inner.get("type") or "") if isinstance(inner, dict) else ""


def translate(exc: Exception, sdk: ModuleType, provider: str) -> ProviderError:
    """Whatever a call or its stream raised, as a classified ProviderError."""
    import httpx2

    if isinstance(exc, (sdk.APITimeoutError, httpx2.TimeoutException)):
        return ProviderError(f"{provider}: timed out", kind="timeout")
    if isinstance(exc, (sdk.APIConnectionError, httpx2.TransportError)):
        return ProviderError(
            f"{provider}: connection failed ({type(exc).__name__})", kind="connection"
        )
    if isinstance(exc, sdk.APIStatusError) and exc.status_code != 200:
        return status_error(exc, provider)
    if isinstance(exc, sdk.APIError):  # an error event inside a stream that began fine
        return stream_error(exc, provider)
    return classify_exception(exc, provider)


def stream_error(exc: Exception, provider: str) -> ProviderError:
    """Anthropic's `event: error` (status 200) or OpenAI's in-stream `{"error": …}`:
    retried or failed over like the same error before the stream."""
    error_type = str(getattr(exc, "type", None) or error_type_in_body(exc))
    return ProviderError(
        f"{provider}: stream error: {error_detail(exc)}", kind=kind_for_error_type(error_type)
    )


def status_error(exc: Any, provider: str) -> ProviderError:
    status = exc.status_code
    retry_after = parse_retry_after(getattr(exc.response, "headers", None))
    return ProviderError(
        describe_status(provider, status, error_detail(exc)),
        kind=kind_for_status(status),
        status=status,
        retry_after=retry_after,
    )
