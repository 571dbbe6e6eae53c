"""Anthropic's Messages API, streamed (or, for a batch, not streamed), through the official
SDK (imported on first call)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from types import ModuleType
from typing import Any

from ..types import ModelConfig, Usage
from .base import CallParams, StartPart, StopPart, StreamPart, TextPart, UsagePart
from .sdk_provider import Client, SDKProvider, parts_of
from .warmup import ANTHROPIC_REHEARSAL, ANTHROPIC_REHEARSAL_WHOLE


class AnthropicProvider(SDKProvider):
    sdk_name = "anthropic"

    rehearsal = ANTHROPIC_REHEARSAL
    rehearsal_whole = ANTHROPIC_REHEARSAL_WHOLE

    def make_client(self, sdk: ModuleType, timeout: Any, http_client: Any) -> Client:
        return sdk.AsyncAnthropic(
            api_key=self.api_key(),
            base_url=self.base_url(),
            max_retries=0,
            timeout=timeout,
            http_client=http_client,
        )

    def accepts_temperature(self, model: ModelConfig) -> bool:
        return False  # see request_body

    async def _stream(
        self, client: Client, model: ModelConfig, params: CallParams
    ) -> AsyncGenerator[StreamPart, None]:
        usage, stop_reason = Usage(), None
        body = {**request_body(model, params), "stream": True}
        stream = await self.post_stream(client, "/v1/messages", body)
        yield StartPart()
        async with stream:
            async for event in stream:  # each a stream event object, as JSON
                kind = event.get("type")
                if kind == "message_start":
                    usage = usage_from_json(event["message"]["usage"])
                    yield UsagePart(usage)
                elif kind == "content_block_delta":
                    delta = event["delta"]
                    if delta.get("type") == "text_delta":
                        yield TextPart(delta["text"])
                elif kind == "message_delta":
                    output = (event.get("usage") or {}).get("output_tokens")
                    usage.output_tokens = output or usage.output_tokens
                    yield UsagePart(usage)
                    stop_reason = (event.get("delta") or {}).get("stop_reason")
                elif kind == "message_stop":
                    yield StopPart(stop_reason or "end_turn")

    def whole_request(self, model: ModelConfig, params: CallParams) -> tuple[str, dict[str, Any]]:
        # not `messages.create`: its refusal of a large max_tokens unstreamed does not apply
        return "/v1/messages", request_body(model, params)

    def read_whole(self, answer: dict[str, Any]) -> list[StreamPart]:
        """A `message` object: its text blocks, stop reason and usage (always reported: a
        message without it is malformed, as its stream's `message_start` would be)."""
        text = "".join(block["text"] for block in answer["content"] if block["type"] == "text")
        return parts_of(text, usage_from_json(answer["usage"]), answer.get("stop_reason"))


def request_body(model: ModelConfig, params: CallParams) -> dict[str, Any]:
    """The Messages API call. No temperature: the current SDK (2.x) no longer accepts one,
    so `--temperature` applies to OpenAI-style models only (the engine notes it is not sent)."""
    body: dict[str, Any] = {
        "model": model.wire_name,
        "max_tokens": params.max_tokens,
        "messages": [{"role": m.role, "content": m.content} for m in params.messages],
    }
    if params.system:
        body["system"] = params.system
    return body


def usage_from_json(raw: dict[str, Any]) -> Usage:
    """A JSON `usage` object (a stream's `message_start`, or a whole message's).
    Anthropic reports cache reads and writes apart from `input_tokens`; orch adds them in."""
    cache_read = raw.get("cache_read_input_tokens") or 0
    cache_write = raw.get("cache_creation_input_tokens") or 0
    return Usage(
        input_tokens=(raw.get("input_tokens") or 0) + cache_read + cache_write,
        output_tokens=raw.get("output_tokens") or 0,
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
    )
