"""The `echo` provider kind: answers with the prompt it was sent, and reports its usage.

Everything a provider kind needs: a Provider subclass whose `stream` yields a StartPart, the
text, the usage and a StopPart. orch builds it with `(config, timeouts, environ)`.
"""

from __future__ import annotations

from orchestrator_tui.providers.base import Provider, StartPart, StopPart, TextPart, UsagePart
from orchestrator_tui.types import Usage


class EchoProvider(Provider):
    async def stream(self, model, params):
        prompt = params.messages[-1].content
        yield StartPart()
        text = f"echo from {self.name} ({model.wire_name}): {prompt}"
        yield TextPart(text)
        yield UsagePart(Usage(input_tokens=len(prompt.split()), output_tokens=len(text.split())))
        yield StopPart("end_turn")
