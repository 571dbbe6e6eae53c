"""OpenAI Chat Completions, streamed with usage, through the official SDK (imported on first
call). Serves OpenAI itself and any OpenAI-compatible endpoint (Ollama, vLLM, LM Studio)."""

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
from .sdk_provider import Client, SDKProvider
from .warmup import OPENAI_REHEARSAL

KEYLESS = "no-key-needed"  # the SDK insists on a key; local servers ignore it


class OpenAIProvider(SDKProvider):
    sdk_name = "openai"

    rehearsal = OPENAI_REHEARSAL

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
        stream = await client.chat.completions.create(**request_body(model, params))
        yield StartPart()
        async with stream:
            async for chunk in stream:
                if chunk.usage is not None:
                    usage_seen = True
                    yield UsagePart(usage_from_chunk(chunk.usage))
                for choice in chunk.choices:
                    if choice.delta is not None and choice.delta.content:
                        yield TextPart(choice.delta.content)
                    finish_reason = choice.finish_reason or finish_reason
        if finish_reason is not None and not usage_seen:  # usage comes last: cut short
            raise ProviderError(
                f"{self.name}: the stream ended after its finish_reason without the usage it "
                f"was asked for (truncated; for a server that never reports usage in a stream, "
                f"set stream_usage = false under [providers.{self.name}])",
                kind="truncated",
            )
        if finish_reason is not None:
            yield StopPart(finish_reason)


def request_body(model: ModelConfig, params: CallParams) -> dict[str, Any]:
    messages = [{"role": "system", "content": params.system}] if params.system else []
    messages += [{"role": m.role, "content": m.content} for m in params.messages]
    body: dict[str, Any] = {
        "model": model.wire_name,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if model.reasoning:  # o-series and gpt-5+: no max_tokens, default temperature only
        body["max_completion_tokens"] = params.max_tokens
    else:
        body["max_tokens"] = params.max_tokens
        if params.temperature is not None:
            body["temperature"] = params.temperature
    return body


def usage_from_chunk(raw: Any) -> Usage:
    prompt_details = getattr(raw, "prompt_tokens_details", None)
    completion_details = getattr(raw, "completion_tokens_details", None)
    return Usage(
        input_tokens=raw.prompt_tokens or 0,
        output_tokens=raw.completion_tokens or 0,
        cache_read_tokens=getattr(prompt_details, "cached_tokens", None) or 0,
        reasoning_tokens=getattr(completion_details, "reasoning_tokens", None) or 0,
    )
