"""What one TUI session remembers: the conversation, the prompts sent, and running totals."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..types import Message

PROMPTS_KEPT = 200


@dataclass
class ModelTotals:
    calls: int = 0
    cost: float = 0.0
    latency_sum: float = 0.0

    @property
    def average_latency(self) -> float:
        return self.latency_sum / self.calls if self.calls else 0.0


@dataclass
class Session:
    conversation: list[Message] = field(default_factory=list)
    conversation_id: str | None = None
    prompts: list[str] = field(default_factory=list)  # every prompt sent, for recall
    draft: str = ""  # the unsent text in the editor, kept across a restart
    requests: int = 0
    cost: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    costs_per_request: list[float] = field(default_factory=list)
    models: dict[str, ModelTotals] = field(default_factory=dict)
    last_history_id: int | None = None  # the last answer's request id, for rating it

    def add_attempt(self, attempt) -> None:
        if attempt.status == "skipped":
            return
        totals = self.models.setdefault(attempt.model, ModelTotals())
        totals.calls += 1
        totals.cost += attempt.cost or 0.0
        totals.latency_sum += attempt.latency

    def add_result(self, prompt: str, result) -> None:
        self.requests += 1
        self.cost += result.cost or 0.0
        self.input_tokens += result.input_tokens
        self.output_tokens += result.output_tokens
        self.costs_per_request.append(result.cost or 0.0)
        if result.success:
            self.conversation += [Message("user", prompt), Message("assistant", result.response)]

    def remember_prompt(self, prompt: str) -> None:
        """For recall: the newest last, at most `PROMPTS_KEPT`."""
        self.prompts.append(prompt)
        del self.prompts[:-PROMPTS_KEPT]

    def new_conversation(self) -> None:
        self.conversation = []
        self.conversation_id = None
