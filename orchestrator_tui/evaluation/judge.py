"""A judge model grades the history's unrated answers good or bad, through the engine (so
its calls are budgeted and recorded, under the category "judge"); the verdicts become
training signal for `orch router train --from-history`."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from ..engine.request import Request
from ..engine.tasks import run_all
from ..store.ratings import JUDGE_CATEGORY, rate_if_unrated, unrated_answers

JUDGE_SYSTEM = (
    "You grade answers. Given a user's request and an assistant's answer, decide whether the "
    "answer is correct, complete and useful for that request. Reply with exactly one word: "
    "GOOD or BAD."
)
VERDICT = re.compile(r"\b(good|bad)\b", re.IGNORECASE)
CONCURRENCY = 4


@dataclass
class JudgeTally:
    good: int = 0
    bad: int = 0
    unclear: int = 0
    failed: int = 0
    cost: float = 0.0


def judge_request(model: str, prompt: str, answer: str) -> Request:
    text = f"<request>\n{prompt}\n</request>\n\n<answer>\n{answer}\n</answer>\n\nGOOD or BAD?"
    return Request(
        text,
        system=JUDGE_SYSTEM,
        strategy="single",
        model=model,
        max_tokens=5,
        temperature=0.0,
        category=JUDGE_CATEGORY,
    )


def parse_verdict(text: str) -> str | None:
    """ "good" or "bad" when the judge said exactly one of them, else None."""
    found = {m.lower() for m in VERDICT.findall(text)}
    return found.pop() if len(found) == 1 else None


async def judge_history(engine, db, model: str, limit: int, budget=None) -> JudgeTally:
    """Grade up to `limit` unrated answers, newest first; `budget` caps the whole run."""
    tally = JudgeTally()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def judge_one(request_id: int, prompt: str, answer: str) -> None:
        async with gate:
            result = await engine.run_to_result(judge_request(model, prompt, answer), budget=budget)
        tally.cost += result.cost or 0.0
        verdict = parse_verdict(result.response) if result.success else None
        if not result.success:
            tally.failed += 1
        elif verdict is None:
            tally.unclear += 1
        else:
            rate_if_unrated(db, request_id, verdict, f"judge:{model}")
            setattr(tally, verdict, getattr(tally, verdict) + 1)

    await run_all(judge_one(*row) for row in unrated_answers(db, limit))
    return tally
