"""What the two official-SDK providers share: a lazily built client per event loop with the
SDK's own retries off, the SDK made ready in a thread before the first call (see `warmup`),
and the translation of everything a stream can raise into a classified ProviderError. Both
SDKs have the same exception shapes (`status_code`, `response.headers`, `body`).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import ssl
from abc import abstractmethod
from collections.abc import AsyncGenerator
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..types import Message, ModelConfig, ProviderConfig
from .base import (
    CallParams,
    Provider,
    ProviderError,
    StreamPart,
    classify_exception,
    describe_status,
    kind_for_error_type,
    kind_for_status,
    parse_retry_after,
)
from .warmup import get_ready

if TYPE_CHECKING:
    from ..config import TimeoutSettings

# The SDK is imported by name (`sdk`), so its client, errors and events are typed `Any` here.
Client = Any

READ_GRACE = 1.0  # seconds the SDK's read timeout allows beyond the engine's first-token one


class SDKProvider(Provider):
    """A provider backed by an official SDK module, imported on the first call."""

    sdk_name: str
    rehearsal: bytes  # a canned answer in the provider's wire format (see `warmup`)

    def __init__(
        self, config: ProviderConfig, timeouts: TimeoutSettings, environ: dict[str, str]
    ) -> None:
        super().__init__(config, timeouts, environ)
        self._clients: dict[asyncio.AbstractEventLoop, Client] = {}  # loop → its client

    def sdk(self) -> ModuleType:
        return importlib.import_module(self.sdk_name)

    def prepare(self) -> None:
        get_ready(self)

    async def warm(self) -> None:
        future = get_ready(self)
        if not future.done():
            await asyncio.wrap_future(future)

    async def rehearse(self) -> None:
        """One call to the canned `rehearsal` answer, in memory: it imports and builds what a
        first call would (run in a thread by `warmup`, on an event loop of its own)."""
        import httpx2

        shared_tls_context()
        canned = httpx2.Response(
            200, headers={"content-type": "text/event-stream"}, content=self.rehearsal
        )
        transport = httpx2.MockTransport(lambda request: canned)
        sdk = self.sdk()
        client = self.make_client(sdk, sdk.Timeout(5.0), httpx2.AsyncClient(transport=transport))
        model = ModelConfig(name="rehearsal", provider=self.name)
        params = CallParams([Message("user", "hi")], None, 1, None)
        try:
            async for _ in self._stream(client, model, params):
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
        """The call itself, with `client`; may raise the SDK's exceptions."""

    async def stream(
        self, model: ModelConfig, params: CallParams
    ) -> AsyncGenerator[StreamPart, None]:
        sdk = self.sdk()
        try:
            async for part in self._stream(self.client(), model, params):
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
