"""OpenAI Chat Completions, streamed with usage (or, for a batch, not streamed), through the
official SDK (imported on first call). Serves OpenAI itself and any OpenAI-compatible endpoint
(Ollama, vLLM, LM Studio)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from types import ModuleType
from typing import Any

from ..types import ModelConfig, Usage
from .base import (
    CallParams,
    ProviderError,
    StartPart,
    StopPart,
    StreamPart,
    TextPart,
    UsagePart,
)
from .sdk_provider import Client, SDKProvider, parts_of
from .warmup import OPENAI_REHEARSAL, OPENAI_REHEARSAL_WHOLE

KEYLESS = "no-key-needed"  # the SDK insists on a key; local servers ignore it


class OpenAIProvider(SDKProvider):
    sdk_name = "openai"

    rehearsal = OPENAI_REHEARSAL
    rehearsal_whole = OPENAI_REHEARSAL_WHOLE

    def make_client(self, sdk: ModuleType, timeout: Any, http_client: Any) -> Client:
        key = self.api_key() if self.config.api_key_env else KEYLESS
        return sdk.AsyncOpenAI(
            api_key=key,
            base_url=self.base_url(),
            max_retries=0,
            timeout=timeout,
            http_client=http_client,
        )

    def accepts_temperature(self, model: ModelConfig) -> bool:
        return not model.reasoning  # see request_body

    async def _stream(
        self, client: Client, model: ModelConfig, params: CallParams
    ) -> AsyncGenerator[StreamPart, None]:
        finish_reason, usage_seen = None, not self.config.stream_usage
        stream = await self.post_stream(client, "/chat/completions", request_body(model, params))
        yield StartPart()
        async with stream:
            async for chunk in stream:  # each a `chat.completion.chunk` object, as JSON
                if chunk.get("usage") is not None:
                    usage_seen = True
                    yield UsagePart(usage_from_json(chunk["usage"]))
                for choice in chunk.get("choices") or ():
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        yield TextPart(content)
                    finish_reason = choice.get("finish_reason") or finish_reason
        if finish_reason is not None and not usage_seen:  # usage comes last: cut short
            raise ProviderError(
                f"{self.name}: the stream ended after its finish_reason without the usage it "
                f"was asked for (truncated; for a server that never reports usage in a stream, "
                f"set stream_usage = false under [providers.{self.name}])",
                kind="truncated",
            )
        if finish_reason is not None:
            yield StopPart(finish_reason)

    def whole_request(self, model: ModelConfig, params: CallParams) -> tuple[str, dict[str, Any]]:
        return "/chat/completions", request_body(model, params)

    def read_whole(self, answer: dict[str, Any]) -> list[StreamPart]:
        """A `chat.completion` object: its choices' text, finish reason and usage. Without
        usage it is refused like a stream without it (unless `stream_usage = false`)."""
        text, finish_reason = "", None
        for choice in answer["choices"]:
            text += (choice.get("message") or {}).get("content") or ""
            finish_reason = choice.get("finish_reason") or finish_reason
        raw_usage = answer.get("usage")
        if finish_reason is not None and raw_usage is None and self.config.stream_usage:
            raise ProviderError(
                f"{self.name}: the answer carried no usage (malformed; for a server that never "
                f"reports usage, set stream_usage = false under [providers.{self.name}])",
                kind="malformed",
            )
        usage = None if raw_usage is None else usage_from_json(raw_usage)
        return parts_of(text, usage, finish_reason)


def request_body(model: ModelConfig, params: CallParams) -> dict[str, Any]:
    messages = [{"role": "system", "content": params.system}] if params.system else []
    messages += [{"role": m.role, "content": m.content} for m in params.messages]
    body: dict[str, Any] = {"model": model.wire_name, "messages": messages}
    if params.stream:
        body.update(stream=True, stream_options={"include_usage": True})
    if model.reasoning:  # o-series and gpt-5+: no max_tokens, default temperature only
        body["max_completion_tokens"] = params.max_tokens
    else:
        body["max_tokens"] = params.max_tokens
        if params.temperature is not None:
            body["temperature"] = params.temperature
    return body


def usage_from_json(raw: dict[str, Any]) -> Usage:
    """A JSON `usage` object (a stream's last chunk's, or a whole answer's)."""
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    return Usage(
        input_tokens=raw.get("prompt_tokens") or 0,
        output_tokens=raw.get("completion_tokens") or 0,
        cache_read_tokens=prompt_details.get("cached_tokens") or 0,
        reasoning_tokens=completion_details.get("reasoning_tokens") or 0,
    )
