"""What the two official-SDK providers share: a lazily built client per event loop, with the
SDK's own retries off, and the translation of SDK (and raw httpx2 transport) exceptions into
ProviderError. Both SDKs have the same exception shapes (`status_code`, `response.headers`).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
from abc import abstractmethod
from collections.abc import AsyncIterator

from ..types import ModelConfig, ProviderConfig
from .base import (CallParams, Provider, ProviderError, StreamPart, describe_status,
                   kind_for_status, parse_retry_after)


class SDKProvider(Provider):
    """A provider backed by an official SDK module, imported on the first call."""

    sdk_name: str

    def __init__(self, config: ProviderConfig, timeouts, environ: dict[str, str]):
        self.name = config.name
        self.config = config
        self.timeouts = timeouts
        self.environ = environ
        self._clients: dict[asyncio.AbstractEventLoop, object] = {}  # loop → its client

    def sdk(self):
        return importlib.import_module(self.sdk_name)

    def client(self):
        """The SDK client of the running event loop, made on its first call there: an async
        client's pooled connections belong to the loop that opened them, so an engine reused
        across `asyncio.run` calls needs one client per loop."""
        loop = asyncio.get_running_loop()
        if loop not in self._clients:
            self.forget_closed_loops()
            sdk = self.sdk()
            timeout = sdk.Timeout(self.timeouts.total, connect=self.timeouts.connect,
                                  read=self.timeouts.first_token)
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
        except Exception as exc:  # SDK and transport errors, classified by `translate`
            error = translate(exc, sdk, self.name)
            if error is None:
                raise
            raise error from exc

    async def aclose(self) -> None:
        """Close the running loop's client (other live loops keep theirs)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        self.forget_closed_loops()
        if client is not None:
            await client.close()


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
    body = getattr(exc, "body", None)
    inner = body.get("error") if isinstance(body, dict) else None
    return str(inner.get("type", "")) if isinstance(inner, dict) else ""


def translate(exc: BaseException, sdk, provider: str) -> ProviderError | None:
    """A ProviderError for an SDK or transport exception; None if it is neither."""
    import httpx2

    if isinstance(exc, sdk.APITimeoutError) or isinstance(exc, httpx2.TimeoutException):
        return ProviderError(f"{provider}: timed out", kind="timeout")
    if isinstance(exc, sdk.APIConnectionError) or isinstance(exc, httpx2.TransportError):
        return ProviderError(f"{provider}: connection failed ({type(exc).__name__})",
                             kind="connection")
    if isinstance(exc, sdk.APIStatusError):
        return status_error(exc, provider)
    return None


def status_error(exc, provider: str) -> ProviderError:
    status = exc.status_code
    detail = error_detail(exc)
    if status == 200:  # an `event: error` inside a stream that had started fine
        error_type = str(getattr(exc, "type", None) or error_type_in_body(exc))
        kind = "overloaded" if "overloaded" in error_type else "server"
        return ProviderError(f"{provider}: stream error: {detail}", kind=kind, status=status)
    retry_after = parse_retry_after(getattr(exc.response, "headers", None))
    return ProviderError(describe_status(provider, status, detail), kind=kind_for_status(status),
                         status=status, retry_after=retry_after)
