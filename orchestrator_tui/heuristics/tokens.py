"""Token counts estimated from a text's length: offline (no tokenizer download), erring high.

Neutral ground for the engine (budgets, context windows) and the providers that report an
estimated usage (the demo, the evaluation's replay): a provider never imports the engine.
"""

from __future__ import annotations

import math

from ..types import Message

CHARS_PER_TOKEN = 3.0  # deliberately low: the estimate should err on the high side
TOKENS_PER_MESSAGE = 8


def estimate_tokens(messages: list[Message], system: str | None = None) -> int:
    """An offline estimate of the input tokens (no tokenizer download needed)."""
    chars = sum(len(m.content) for m in messages) + len(system or "")
    overhead = TOKENS_PER_MESSAGE * (len(messages) + (1 if system else 0))
    return math.ceil(chars / CHARS_PER_TOKEN) + overhead


def estimate_text_tokens(text: str) -> int:
    """An offline estimate of the tokens in a text (erring high, like `estimate_tokens`)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)
