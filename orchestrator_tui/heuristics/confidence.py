"""How confident an answer sounds, from 0 to 1, by the seed's indicators.

`fallback` escalates below its threshold (0.6 by default). Pass any object with a
`score(prompt, answer) -> Confidence` method to the engine to replace it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LOW_INDICATORS = [
    "not sure",
    "uncertain",
    "might be",
    "possibly",
    "i think",
    "seems like",
    "appears to",
    "need more context",
    "would need to",
    "i don't know",
    "i'm not certain",
    "hard to say",
]
HIGH_INDICATORS = ["definitely", "certainly", "clearly", "proven", "established", "confirmed"]

BASE = 0.7
LOW_PENALTY = 0.15
HIGH_BONUS = 0.05
MAX_HIGH_BONUS = 0.15
SHORT_WORDS, SHORT_PENALTY = 20, 0.1
DETAILED_WORDS, DETAILED_BONUS = 150, 0.1


@dataclass
class Confidence:
    score: float
    low: list[str] = field(default_factory=list)
    high: list[str] = field(default_factory=list)
    words: int = 0

    def explain(self) -> str:
        parts = []
        if self.low:
            parts.append("hedging: " + ", ".join(repr(i) for i in self.low))
        if self.words < SHORT_WORDS:
            parts.append(f"short answer ({self.words} words)")
        return "; ".join(parts) or "no hedging"


class ConfidenceDetector:
    def __init__(self, low: list[str] | None = None, high: list[str] | None = None):
        self.low = [(i, phrase_regex(i)) for i in (low or LOW_INDICATORS)]
        self.high = [(i, phrase_regex(i)) for i in (high or HIGH_INDICATORS)]

    def score(self, prompt: str, answer: str) -> Confidence:
        text = answer.replace("’", "'")
        low = [i for i, rx in self.low if rx.search(text)]
        high = [i for i, rx in self.high if rx.search(text)]
        words = len(answer.split())
        value = BASE - LOW_PENALTY * len(low) + min(MAX_HIGH_BONUS, HIGH_BONUS * len(high))
        if words < SHORT_WORDS:
            value -= SHORT_PENALTY
        if words >= DETAILED_WORDS:
            value += DETAILED_BONUS
        if not answer.strip():
            value = 0.0
        return Confidence(round(min(1.0, max(0.0, value)), 3), low, high, words)


def phrase_regex(phrase: str) -> re.Pattern:
    return re.compile(r"\b" + re.escape(phrase) + r"\b", re.IGNORECASE)
