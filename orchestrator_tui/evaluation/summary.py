"""What an evaluation says: each row against the best single model, the learned router's
frontier, and where the strategies land against the issue's goals."""

from __future__ import annotations

GOALS = ((0.95, 0.10), (1.00, 0.70))  # (share of the best single score, most share of its cost)


def best_single(rows: list[dict]) -> dict:
    """The single model with the best score (the cheaper one on a tie)."""
    singles = [r for r in rows if r["strategy"] == "single"]
    return max(singles, key=lambda r: (r["score"], -r["cost"]))


def relative(row: dict, best: dict) -> tuple[float, float]:
    """(score, cost) as shares of the best single model's."""
    return row["score"] / best["score"], (row["cost"] / best["cost"] if best["cost"] else 0.0)


def frontier(rows: list[dict]) -> list[dict]:
    """The rows no cheaper row beats on score, cheapest first (oracle left out)."""
    candidates = sorted(
        (r for r in rows if r["strategy"] != "oracle"), key=lambda r: (r["cost"], -r["score"])
    )
    kept, best = [], -1.0
    for row in candidates:
        if row["score"] > best:
            kept.append(row)
            best = row["score"]
    return kept


def goal_lines(rows: list[dict]) -> list[str]:
    """For each goal: the cheapest row reaching the score share, and whether it is cheap
    enough."""
    best = best_single(rows)
    lines = []
    for score_share, cost_share in GOALS:
        reaching = [
            r
            for r in rows
            if r["strategy"] not in ("oracle", "single")
            and relative(r, best)[0] >= score_share - 1e-9
        ]
        target = f"{score_share:.0%} of the best single score at ≤ {cost_share:.0%} of its cost"
        if not reaching:
            lines.append(f"{target}: not reached by any strategy")
            continue
        row = min(reaching, key=lambda r: r["cost"])
        cost = relative(row, best)[1]
        verdict = "met" if cost <= cost_share else "not met"
        lines.append(
            f"{target}: {verdict}; cheapest strategy reaching it is {label(row)} "
            f"at {cost:.1%} of the cost"
        )
    return lines


def label(row: dict) -> str:
    params = ", ".join(f"{k}={v}" for k, v in row["params"].items())
    return f"{row['strategy']} ({params})" if params else row["strategy"]
