"""A result as `orch ask` shows it: the summary line and the attempts table."""

from __future__ import annotations

from ..engine.details import EnsembleVerdict
from ..formatting import cost_text


def summary_line(result) -> str:
    parts = [
        f"[bold]{result.model_used}[/] ({result.provider})",
        f"{result.input_tokens:,} in / {result.output_tokens:,} out tokens",
        cost_text(result.cost),
        f"{result.latency:.2f} s",
    ]
    if result.confidence is not None:
        parts.append(f"confidence {result.confidence:.2f}")
    if result.cached:
        parts.append("from the cache")
    return " · ".join(parts)


def attempts_table(result):
    from rich.table import Table

    verdict = result.detail(EnsembleVerdict)
    scores = {s.attempt_id: s.score for s in verdict.scores} if verdict else {}
    table = Table(title=None, box=None, header_style="bold")
    for column in ("", "model", "status", "in", "out", "cost", "latency", "conf."):
        table.add_column(
            column,
            justify="right" if column in ("in", "out", "cost", "latency", "conf.") else "left",
        )
    if scores:
        table.add_column("score", justify="right")
    for attempt in result.attempts:
        row = [
            "★" if attempt.accepted else "",
            attempt.model,
            attempt.status,
            f"{attempt.usage.input_tokens:,}",
            f"{attempt.usage.output_tokens:,}",
            cost_text(attempt.cost, attempt.estimated),
            f"{attempt.latency:.2f} s",
            "" if attempt.confidence is None else f"{attempt.confidence:.2f}",
        ]
        if scores:
            score = scores.get(attempt.attempt_id)
            row.append("" if score is None else f"{score:.3f}")
        table.add_row(*row)
    return table
