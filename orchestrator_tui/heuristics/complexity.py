"""How hard a prompt is (basic → expert) and what kind of task it is.

The levels and their patterns are the seed's; pass your own `patterns` or `task_patterns`
(or any object with an `analyze(prompt) -> Analysis` method) to the engine to change them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ..types import TIERS

LEVEL_PATTERNS: dict[str, list[str]] = {
    "expert": [
        "research",
        "analyze deeply",
        "comprehensive",
        "compare multiple",
        "prove",
        "derive",
        "formalize",
    ],
    "advanced": ["explain why", "implement", "design", "debug", "compare", "evaluate", "optimize"],
    "intermediate": ["write code", "summarize", "calculate", "list", "identify", "solve"],
    "basic": ["what is", "define", "format", "simple", "basic", "quick"],
}

TASK_PATTERNS: dict[str, list[str]] = {
    "math": [
        "calculate",
        "solve",
        "equation",
        "integral",
        "derivative",
        "prove",
        "theorem",
        r"\d+\s*[-+*/^x×]\s*\d+",
        "probability",
        "math",
    ],
    "code": [
        "code",
        "function",
        "implement",
        "debug",
        "python",
        "javascript",
        "rust",
        "sql",
        "algorithm",
        "class",
        "compile",
        "bug",
        "refactor",
        "api",
    ],
    "research": ["research", "literature", "study", "studies", "paper", "evidence", "sources"],
    "planning": ["plan", "schedule", "roadmap", "steps to", "strategy", "itinerary"],
    "creative": ["poem", "story", "haiku", "song", "creative", "fiction", "slogan"],
    "summarization": ["summarize", "summary", "tl;dr", "condense"],
    "comparison": ["compare", "versus", r"\bvs\.?\b", "difference between", "pros and cons"],
    "analysis": ["analyze", "analyse", "evaluate", "assess", "explain why"],
    "factual": ["what is", "who is", "who was", "when did", "where is", "capital of", "define"],
}

LONG_PROMPT_WORDS = 400  # a prompt this long is at least intermediate, whatever it says


@dataclass
class Analysis:
    level: str
    task_types: list[str]
    matched: dict[str, list[str]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    words: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def compile_patterns(patterns: dict[str, list[str]]) -> dict[str, list[tuple[str, re.Pattern]]]:
    """Plain phrases match as whole words; entries with regex syntax are used as they are."""
    compiled = {}
    for name, items in patterns.items():
        compiled[name] = [(item, re.compile(as_regex(item), re.IGNORECASE)) for item in items]
    return compiled


def as_regex(item: str) -> str:
    if re.fullmatch(r"[\w ;.'-]+", item):
        return r"\b" + re.escape(item) + r"\b"
    return item


class ComplexityAnalyzer:
    """Scores a prompt's level by the most demanding pattern it contains."""

    def __init__(
        self,
        patterns: dict[str, list[str]] | None = None,
        task_patterns: dict[str, list[str]] | None = None,
    ):
        self.levels = compile_patterns(patterns or LEVEL_PATTERNS)
        self.tasks = compile_patterns(task_patterns or TASK_PATTERNS)

    def analyze(self, prompt: str) -> Analysis:
        matched = {level: hits for level, hits in matches(self.levels, prompt).items() if hits}
        words = len(prompt.split())
        level = max(matched, key=TIERS.index, default="basic")
        reasons = (
            [f"{level}: matched {', '.join(repr(h) for h in matched[level])}"]
            if matched
            else ["no level pattern matched: basic"]
        )
        if words >= LONG_PROMPT_WORDS and TIERS.index(level) < TIERS.index("intermediate"):
            level = "intermediate"
            reasons.append(f"long prompt ({words} words): at least intermediate")
        tasks = [task for task, hits in matches(self.tasks, prompt).items() if hits]
        return Analysis(level, tasks or ["general"], matched, reasons, words)


def matches(compiled, text: str) -> dict[str, list[str]]:
    return {
        name: [label for label, rx in items if rx.search(text)] for name, items in compiled.items()
    }
