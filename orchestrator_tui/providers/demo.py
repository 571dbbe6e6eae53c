"""The built-in demo provider: offline, deterministic, labelled, and realistic enough that
every strategy visibly does its job.

It stands in for any registry model: latency and speed follow the model's tier, token counts
follow the text, and the engine prices them with the real model's registry prices. A model
whose tier is below the prompt's level hedges ("I think… not sure"), so `fallback` escalates.
"""

from __future__ import annotations

import asyncio
import hashlib
import operator
import random
import re
from collections.abc import AsyncGenerator

from ..heuristics.complexity import ComplexityAnalyzer
from ..heuristics.synthesis import content_words
from ..heuristics.tokens import estimate_tokens
from ..types import ModelConfig, Usage, tier_rank
from .base import CallParams, Provider, StopPart, StreamPart, TextPart, UsagePart

OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "x": operator.mul,
    "×": operator.mul,
    "/": operator.truediv,
}
FACTS = {
    r"capital of france": "Paris",
    r"capital of japan": "Tokyo",
    r"capital of italy": "Rome",
    r"capital of germany": "Berlin",
    r"largest planet": "Jupiter",
    r"boiling point of water": "100 °C at sea level",
}
OPENERS = [
    "Here is a clear answer.",
    "In short:",
    "The answer, step by step.",
    "A concise overview follows.",
    "Let me lay this out.",
]
WORDS_PER_CHUNK = 3


class DemoProvider(Provider):
    name = "demo"
    is_demo = True

    def __init__(self, speed: float = 1.0, analyzer: ComplexityAnalyzer | None = None):
        self.speed = speed
        self.analyzer = analyzer or ComplexityAnalyzer()

    async def stream(
        self, model: ModelConfig, params: CallParams
    ) -> AsyncGenerator[StreamPart, None]:
        prompt = params.messages[-1].content if params.messages else ""
        text = self.answer(model, prompt)
        chunks = split_chunks(text)
        usage = Usage(input_tokens=estimate_tokens(params.messages, params.system))
        yield UsagePart(usage)
        rank = tier_rank(model.tier)
        await self.pause(0.25 + 0.15 * rank)
        per_chunk = WORDS_PER_CHUNK * 1.3 / (200 - 30 * rank)  # tokens per second by tier
        for index, chunk in enumerate(chunks[: max(1, params.max_tokens // 4)]):
            if index:
                await self.pause(per_chunk)
            usage.output_tokens += round(len(chunk.split()) * 1.3) or 1
            yield TextPart(chunk)
        yield UsagePart(usage)
        yield StopPart("end_turn")

    async def pause(self, seconds: float) -> None:
        if self.speed > 0:
            await asyncio.sleep(seconds * self.speed)

    def answer(self, model: ModelConfig, prompt: str) -> str:
        level = self.analyzer.analyze(prompt).level
        core = known_answer(prompt)
        rng = random.Random(hashlib.sha256(f"{model.name}\n{prompt}".encode()).digest())
        if not model.covers(level):
            return hedged_answer(core, prompt, rng)
        if core is not None:
            closing = rng.choice(["That is well established.", "This is certain.", ""])
            return f"{core}. {closing}".strip()
        return general_answer(prompt, rng, detailed=tier_rank(model.tier) >= 2)


def split_chunks(text: str) -> list[str]:
    words = re.findall(r"\S+\s*", text)
    return ["".join(words[i : i + WORDS_PER_CHUNK]) for i in range(0, len(words), WORDS_PER_CHUNK)]


def known_answer(prompt: str) -> str | None:
    lowered = prompt.lower()
    for pattern, answer in FACTS.items():
        if re.search(pattern, lowered):
            return f"The answer is {answer}"
    arithmetic = re.search(r"(-?\d+(?:\.\d+)?)\s*([-+*/x×])\s*(-?\d+(?:\.\d+)?)", lowered)
    if arithmetic:
        left, op, right = arithmetic.groups()
        try:
            value = OPERATORS[op](float(left), float(right))
        except ZeroDivisionError:
            return "Division by zero is undefined"
        return f"{left} {op} {right} = {value:g}"
    return None


def topic_words(prompt: str) -> list[str]:
    words = sorted(
        content_words(prompt) - {"what", "how", "why", "explain", "write"},
        key=lambda w: (-len(w), w),
    )
    return words[:4] or ["this", "question"]


def hedged_answer(core: str | None, prompt: str, rng: random.Random) -> str:
    topic = " and ".join(topic_words(prompt)[:2])
    guess = f"it might be this: {core}." if core else f"it possibly involves {topic}."
    closer = rng.choice(
        ["I would need more context to be certain.", "I'm not sure this covers it."]
    )
    return f"I think {guess} {closer}"


def general_answer(prompt: str, rng: random.Random, detailed: bool) -> str:
    topics = topic_words(prompt)
    lines = [rng.choice(OPENERS), "", f"## {topics[0].capitalize()}", ""]
    for topic in topics:
        lines.append(
            f"- **{topic}**: the key point about {topic} is how it relates to "
            f"{' and '.join(t for t in topics if t != topic)[:60] or 'the question'}."
        )
    if detailed:
        lines += ["", "### Details", ""]
        for step, topic in enumerate(topics, 1):
            lines.append(
                f"{step}. Consider {topic} on its own, then in context: this is "
                f"clearly the established approach, with the trade-offs stated and "
                f"the edge cases covered, so that the result holds for {topic} in "
                f"every case a careful reviewer would check."
            )
    lines += ["", f"In summary, {', '.join(topics)} together answer the question."]
    return "\n".join(lines)
