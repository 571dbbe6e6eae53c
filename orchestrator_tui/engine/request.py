"""What a caller asks the engine for."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..types import Message


@dataclass
class Request:
    """One prompt (optionally after an earlier conversation) and how to route it.

    Fields left as None take the user's settings.
    """

    prompt: str
    history: list[Message] = field(default_factory=list)
    system: str | None = None
    strategy: str | None = None  # a registered strategy's name (engine.strategies)
    model: str | None = None
    chain: str | None = None
    models: list[str] | None = None
    ensemble_size: int | None = None
    consensus_size: int | None = None  # consensus: how many cheap models must agree
    cost_weight: float | None = None  # learned: λ in predicted score − λ × relative cost
    threshold: float | None = None
    max_cost: float | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    conversation_id: str | None = None
    log_text: bool = True  # False: the cost is kept, no text (history and cache alike)
    use_cache: bool = True
    stream: bool = True  # False: no one watches the tokens (a batch); see CallParams.stream

    def messages(self) -> list[Message]:
        return [*self.history, Message("user", self.prompt)]
