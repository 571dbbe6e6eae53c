"""The provider interface: stream one call's text, usage and stop, or raise ProviderError.

A provider makes exactly one HTTP call per `stream` and never retries: the engine owns the
one retry loop, so it can show each wait and fail over to another model.
"""

from __future__ import annotations

import email.utils
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..types import Message, ModelConfig, ProviderConfig, Usage

if TYPE_CHECKING:
    from ..config import TimeoutSettings
    from .batch_api import BatchAPI

RETRYABLE_STATUS = {408, 409, 429}


@dataclass(frozen=True)
class CallParams:
    messages: list[Message]
    system: str | None
    max_tokens: int
    temperature: float | None
    stream: bool = True
    """False: nobody watches the tokens (a batch). A provider may then make one call that
    answers in one piece, and yield its parts at once: StartPart, the whole text in one
    TextPart, UsagePart and StopPart (no stop reason: no StopPart, as for a stream)."""


@dataclass(frozen=True)
class StartPart:
    """The server accepted the call and its answer has begun: from here on it may bill."""


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class UsagePart:
    """The usage so far; a later UsagePart replaces an earlier one."""

    usage: Usage


@dataclass(frozen=True)
class StopPart:
    """The stream ended properly. A stream without one is truncated, not an answer."""

    reason: str


StreamPart = StartPart | TextPart | UsagePart | StopPart

RETRYABLE_KINDS = frozenset(
    {"timeout", "connection", "truncated", "overloaded", "rate_limit", "server", "malformed"}
)


class ProviderError(Exception):
    """A failed call, classified so the engine can decide whether to retry."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        status: int | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.kind = kind  # auth | rate_limit | overloaded | server | timeout | connection |
        #   truncated | malformed (a chunk that cannot be read) | bad_request | not_found |
        #   permission | unexpected (anything else raised while streaming)
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        if self.kind in RETRYABLE_KINDS:
            return True
        return self.status is not None and (self.status in RETRYABLE_STATUS or self.status >= 500)


class Provider(ABC):
    """One endpoint that can stream chat completions.

    A provider kind (see `kinds`) is a subclass made with `(config, timeouts, environ)`: the
    endpoint's ProviderConfig, the TimeoutSettings, and the environment its key is read from.
    """

    name: str
    is_demo: bool = False

    def __init__(
        self, config: ProviderConfig, timeouts: TimeoutSettings, environ: dict[str, str]
    ) -> None:
        self.name = config.name
        self.config = config
        self.timeouts = timeouts  # TimeoutSettings: connect, first_token, total (seconds)
        self.environ = environ

    def api_key(self) -> str | None:
        """The key from the config's `api_key_env`; None when it names none or is unset."""
        key_env = self.config.api_key_env
        return self.environ.get(key_env) if key_env else None

    def base_url(self) -> str | None:
        """The config's `base_url`, else its `base_url_env` variable; None: the default."""
        env = self.config.base_url_env
        return self.config.base_url or (self.environ.get(env) if env else None) or None

    @abstractmethod
    def stream(self, model: ModelConfig, params: CallParams) -> AsyncGenerator[StreamPart, None]:
        """Make one call and yield its text parts, usage updates and, if it finished, a stop.
        Anything it raises that is not a ProviderError is classified by the engine."""

    def prepare(self) -> None:  # noqa: B027 (optional: most providers need no preparing)
        """Start getting ready in the background (see `warm`) and return at once."""

    async def warm(self) -> None:  # noqa: B027 (optional, like `prepare`)
        """Be ready to call (a library imported, a client built) without having blocked the
        event loop. The engine awaits it before an attempt's clock starts; it is cheap once
        done."""

    def accepts_temperature(self, model: ModelConfig) -> bool:
        """Whether a call to `model` sends the temperature; when it cannot, the engine says so
        in a Note rather than drop it silently."""
        return True

    async def aclose(self) -> None:  # noqa: B027 (optional: not every provider holds any)
        """Release connections."""

    def batch_api(self) -> BatchAPI | None:
        """The provider's batch API (`orch batch --provider-batch`), or None: it has none.
        The built-in kinds have one (`batch_api.BATCH_APIS`); a plugin may give its own."""
        from .batch_api import builtin_batch_api

        return builtin_batch_api(self)


def kind_for_status(status: int) -> str:
    default = "server" if status >= 500 else "bad_request"
    return {
        400: "bad_request",
        401: "auth",
        403: "permission",
        404: "not_found",
        429: "rate_limit",
        529: "overloaded",
    }.get(status, default)


ERROR_TYPE_KINDS = (
    ("overloaded", "overloaded"),
    ("rate_limit", "rate_limit"),
    ("authentication", "auth"),
    ("permission", "permission"),
    ("not_found", "not_found"),
    ("invalid_request", "bad_request"),
    ("insufficient_quota", "bad_request"),
)


def kind_for_error_type(error_type: str) -> str:
    """The kind of an error reported inside a stream by its type (`overloaded_error`,
    `rate_limit_exceeded`, …): the same kind as the same error before the stream."""
    lowered = error_type.lower()
    return next((kind for needle, kind in ERROR_TYPE_KINDS if needle in lowered), "server")


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date)."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return None if parsed is None else max(0.0, parsed.timestamp() - time.time())


# Raised while decoding a chunk that is not valid JSON or UTF-8, or that fails the SDK's
# validation (pydantic's ValidationError is a ValueError): the server's fault for this one
# answer, so worth a retry. Other exceptions (a TypeError in an adapter, say) are not retried.
MALFORMED_ERRORS = (ValueError,)


def classify_exception(exc: Exception, source: str) -> ProviderError:
    """A ProviderError for something raised while a stream was read that no one classified:
    an unreadable chunk (retryable) or anything else (not retried; fallback moves on). The
    message is whole: the engine redacts secrets before it shortens it."""
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, MALFORMED_ERRORS):
        return ProviderError(f"{source}: unreadable stream chunk ({detail})", kind="malformed")
    return ProviderError(
        f"{source}: unexpected error while streaming ({detail})", kind="unexpected"
    )


def describe_status(provider: str, status: int, detail: str) -> str:
    if status == 401:
        return (
            f"{provider} rejected the API key (401): check the key (`orch keys list` says "
            "where it comes from)"
        )
    return f"{provider} answered {status}: {detail}"
