"""What the two official-SDK providers share: a lazily built client per event loop with the
SDK's own retries off, the SDK imported in a thread (it takes 0.5–2 s of CPU) before the first
call, and the translation of everything a stream can raise into a classified ProviderError.
Both SDKs have the same exception shapes (`status_code`, `response.headers`, `body`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import importlib
import threading
from abc import abstractmethod
from collections.abc import AsyncIterator

from ..types import ModelConfig, ProviderConfig
from .base import (CallParams, Provider, ProviderError, StreamPart, classify_exception,
                   describe_status, kind_for_error_type, kind_for_status, parse_retry_after)


READ_GRACE = 1.0  # seconds the SDK's read timeout allows beyond the engine's first-token one


class SDKProvider(Provider):
    """A provider backed by an official SDK module, imported on the first call."""

    sdk_name: str
    warm_modules: tuple[str, ...] = ()  # submodules the first call would import on the loop

    def __init__(self, config: ProviderConfig, timeouts, environ: dict[str, str]):
        self.name = config.name
        self.config = config
        self.timeouts = timeouts
        self.environ = environ
        self._clients: dict[asyncio.AbstractEventLoop, object] = {}  # loop → its client

    def sdk(self):
        return importlib.import_module(self.sdk_name)

    def prepare(self) -> None:
        start_import((self.sdk_name, *self.warm_modules))

    async def warm(self) -> None:
        future = start_import((self.sdk_name, *self.warm_modules))
        if not future.done():
            await asyncio.wrap_future(future)

    def client(self):
        """The SDK client of the running event loop, made on its first call there: an async
        client's pooled connections belong to the loop that opened them, so an engine reused
        across `asyncio.run` calls needs one client per loop."""
        loop = asyncio.get_running_loop()
        if loop not in self._clients:
            self.forget_closed_loops()
            sdk = self.sdk()
            # The engine keeps the first-token and total deadlines; the SDK's read timeout
            # catches a stream that stalls mid-way for as long as a first token may take.
            timeout = sdk.Timeout(self.timeouts.total, connect=self.timeouts.connect,
                                  read=self.timeouts.first_token + READ_GRACE)
            self._clients[loop] = self.make_client(sdk, timeout)
        return self._clients[loop]

    def forget_closed_loops(self) -> None:
        """Drop the clients of closed loops: their connections died with the loop and cannot
        be closed from another one."""
        for loop in [loop for loop in self._clients if loop.is_closed()]:
            del self._clients[loop]

    def http_client(self, sdk):
        """The SDK's default HTTP client, on the process's one TLS context."""
        return sdk.DefaultAsyncHttpxClient(verify=shared_tls_context())

    def api_key(self) -> str | None:
        key_env = self.config.api_key_env
        return self.environ.get(key_env) if key_env else None

    def base_url(self) -> str | None:
        env = self.config.base_url_env
        return self.config.base_url or (self.environ.get(env) if env else None) or None

    @abstractmethod
    def make_client(self, sdk, timeout):
        """The SDK's async client, with `max_retries=0` and the given timeout."""

    @abstractmethod
    def _stream(self, model: ModelConfig, params: CallParams) -> AsyncIterator[StreamPart]:
        """The call itself; may raise the SDK's exceptions."""

    async def stream(self, model: ModelConfig, params: CallParams) -> AsyncIterator[StreamPart]:
        sdk = self.sdk()
        try:
            async for part in self._stream(model, params):
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


_imports: dict[tuple[str, ...], concurrent.futures.Future] = {}
_imports_lock = threading.Lock()


def start_import(modules: tuple[str, ...]) -> concurrent.futures.Future:
    """Import `modules` and load the TLS context once per process, in a daemon thread (not
    the loop's executor, which a process waits for at exit: one that no longer needs the SDK
    exits at once). The future is done when the import has ended, well or not: a failed
    import raises again, classified, when the call is made."""
    with _imports_lock:
        future = _imports.get(modules)
        if future is None:
            future = _imports[modules] = concurrent.futures.Future()
            future.set_running_or_notify_cancel()  # no waiter can cancel it for the others
            threading.Thread(target=import_all, args=(modules, future), daemon=True,
                             name=f"orch-import-{modules[0]}").start()
    return future


def import_all(modules: tuple[str, ...], future: concurrent.futures.Future) -> None:
    try:
        for name in modules:
            importlib.import_module(name)
        shared_tls_context()
    except Exception:  # noqa: BLE001 (reported by the call that needs the module)
        pass
    finally:
        future.set_result(None)


@functools.cache
def shared_tls_context():
    """Loading the CA bundle takes about 50 ms here; every client would do it again."""
    import httpx2

    return httpx2.create_ssl_context()


def error_detail(exc) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


def error_type_in_body(exc) -> str:
    """The error's `type` from its body: `{"error": {"type": …}}` or `{"type": …}`."""
    body = getattr(exc, "body", None)
    inner = body.get("error", body) if isinstance(body, dict) else None
    return str(inner.get("type") or "") if isinstance(inner, dict) else ""


def translate(exc: Exception, sdk, provider: str) -> ProviderError:
    """Whatever a call or its stream raised, as a classified ProviderError."""
    import httpx2

    if isinstance(exc, (sdk.APITimeoutError, httpx2.TimeoutException)):
        return ProviderError(f"{provider}: timed out", kind="timeout")
    if isinstance(exc, (sdk.APIConnectionError, httpx2.TransportError)):
        return ProviderError(f"{provider}: connection failed ({type(exc).__name__})",
                             kind="connection")
    if isinstance(exc, sdk.APIStatusError) and exc.status_code != 200:
        return status_error(exc, provider)
    if isinstance(exc, sdk.APIError):  # an error event inside a stream that began fine
        return stream_error(exc, provider)
    return classify_exception(exc, provider)


def stream_error(exc, provider: str) -> ProviderError:
    """Anthropic's `event: error` (status 200) or OpenAI's in-stream `{"error": …}`:
    retried or failed over like the same error before the stream."""
    error_type = str(getattr(exc, "type", None) or error_type_in_body(exc))
    return ProviderError(f"{provider}: stream error: {error_detail(exc)}",
                         kind=kind_for_error_type(error_type))


def status_error(exc, provider: str) -> ProviderError:
    status = exc.status_code
    retry_after = parse_retry_after(getattr(exc.response, "headers", None))
    return ProviderError(describe_status(provider, status, error_detail(exc)),
                         kind=kind_for_status(status), status=status, retry_after=retry_after)
