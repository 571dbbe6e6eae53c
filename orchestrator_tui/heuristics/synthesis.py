"""Choose an ensemble's answer: the seed's weights plus a consensus bonus.

score = (0.5 × confidence + 0.3 × capability tier + 0.2 × completeness + 0.1 × agreement)
        / 1.1,
where agreement (0–1) is how much an answer agrees with the others. Every term is 0–1 and the
weights sum to 1.1, so the division keeps the score 0–1 (a bonus on top of weights that
already sum to 1 used to reach 1.1) without changing which answer ranks first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

from ..types import TIERS

WEIGHTS = {"confidence": 0.5, "tier": 0.3, "completeness": 0.2}
CONSENSUS_BONUS = 0.1
WEIGHT_SUM = sum(WEIGHTS.values()) + CONSENSUS_BONUS  # the highest raw score: 1.1
COMPLETE_WORDS = 100
STOPWORDS = set(
    """a an and are as at be by for from has have in is it its of on or that the
this to was were will with which you your i we they he she not but can do does""".split()
)


@dataclass
class Candidate:
    model: str
    tier: str
    text: str
    confidence: float


@dataclass
class Scored:
    index: int  # position in the candidates given
    model: str
    score: float
    confidence: float
    tier_score: float
    completeness: float
    agreement: float


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS}


def agreement(a: str, b: str) -> float:
    """Overlap of content words relative to the shorter answer, 0–1 ("Paris" agrees with
    "The capital of France is Paris")."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def consensus_level(value: float) -> str:
    return "high" if value >= 0.6 else "medium" if value >= 0.35 else "low"


def synthesize_responses(candidates: list[Candidate]) -> tuple[list[Scored], float]:
    """Every candidate scored, best first, and the mean pairwise agreement."""
    pair = {}
    for i, j in combinations(range(len(candidates)), 2):
        pair[i, j] = pair[j, i] = agreement(candidates[i].text, candidates[j].text)
    scored = []
    for i, cand in enumerate(candidates):
        others = [pair[i, j] for j in range(len(candidates)) if j != i]
        agree = sum(others) / len(others) if others else 0.0
        tier_score = (TIERS.index(cand.tier) + 1) / len(TIERS)
        complete = min(1.0, len(cand.text.split()) / COMPLETE_WORDS)
        total = (
            WEIGHTS["confidence"] * cand.confidence
            + WEIGHTS["tier"] * tier_score
            + WEIGHTS["completeness"] * complete
            + CONSENSUS_BONUS * agree
        ) / WEIGHT_SUM
        scored.append(
            Scored(
                i,
                cand.model,
                round(total, 4),
                cand.confidence,
                tier_score,
                round(complete, 3),
                round(agree, 3),
            )
        )
    scored.sort(key=lambda s: s.score, reverse=True)
    mean = sum(pair.values()) / len(pair) if pair else 1.0
    return scored, round(mean, 3)


CHOICE = re.compile(r"^\(?([a-z0-9])(?:[).:]|\s|$)")
SAME_ANSWER_AGREEMENT = 0.8


def answer_key(text: str) -> str:
    """A short answer reduced to what matters: "(B) house" and "b\\n" are both "b"."""
    lowered = " ".join(text.lower().split())
    choice = CHOICE.match(lowered)
    return choice.group(1) if choice else lowered.strip(" .!")


def same_answer(a: str, b: str) -> bool:
    """Whether two answers say the same: the same choice or short answer, or one's content
    words mostly found in the other's ("Paris." and "The answer is Paris, clearly.")."""
    key_a, key_b = answer_key(a), answer_key(b)
    if key_a == key_b:
        return bool(key_a)
    return agreement(a, b) >= SAME_ANSWER_AGREEMENT
