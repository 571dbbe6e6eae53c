"""Prompt features in plain Python: word unigrams and bigrams, TF-IDF weighted.

The same code turns prompts into features for training and for prediction, so a router saved
as JSON predicts exactly what it was trained to.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import pairwise

WORD = re.compile(r"\b\w\w+\b")
LENGTH_FEATURE = "__length__"  # log of the prompt's length, one extra feature


def terms(text: str) -> Counter:
    words = WORD.findall(text.lower())
    counts = Counter(words)
    counts.update(f"{a} {b}" for a, b in pairwise(words))
    return counts


class Vocabulary:
    """Which terms count, and their inverse document frequencies."""

    def __init__(self, index: dict[str, int], idf: list[float]):
        self.index = index
        self.idf = idf

    @classmethod
    def fit(cls, texts: list[str], min_df: int = 2, max_terms: int = 20000) -> Vocabulary:
        df: Counter[str] = Counter()
        for text in texts:
            df.update(terms(text).keys())
        kept = [t for t, n in df.items() if n >= min_df]
        kept.sort(key=lambda t: (-df[t], t))
        kept = kept[:max_terms]
        n = len(texts)
        idf = [math.log((1 + n) / (1 + df[t])) + 1 for t in kept]
        return cls({t: i for i, t in enumerate(kept)}, idf)

    @property
    def size(self) -> int:
        """Feature count: the terms plus the length feature."""
        return len(self.index) + 1

    def vector(self, text: str) -> dict[int, float]:
        """Sparse TF-IDF (sublinear tf, L2-normalised) plus the length feature."""
        weights = {}
        for term, count in terms(text).items():
            i = self.index.get(term)
            if i is not None:
                weights[i] = (1 + math.log(count)) * self.idf[i]
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vector = {i: w / norm for i, w in weights.items()}
        vector[len(self.index)] = math.log1p(len(text)) / 10
        return vector

    def as_dict(self) -> dict:
        return {"terms": sorted(self.index, key=self.index.__getitem__), "idf": self.idf}

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        return cls({t: i for i, t in enumerate(data["terms"])}, data["idf"])
