"""Shared formatting of costs, tokens and attempt tables for the CLI."""

from __future__ import annotations


def cost_text(cost: float | None, estimated: bool = False) -> str:
    """`$0.001234`; `~$0.001234` when the usage behind it is orch's estimate."""
    if cost is None:
        return "unknown"
    amount = f"${cost:.6f}" if abs(cost) < 0.01 else f"${cost:.4f}"
    return f"~{amount}" if estimated else amount


def usd(amount: float) -> str:
    """A limit or a balance: cents when they say enough, more digits when they do not."""
    return f"${amount:.2f}" if amount == 0 or abs(amount) >= 1 else f"${amount:.6g}"


def price_text(price: float | None) -> str:
    return "—" if price is None else f"{price:g}"


def summary_line(result) -> str:
    parts = [f"[bold]{result.model_used}[/] ({result.provider})",
             f"{result.input_tokens:,} in / {result.output_tokens:,} out tokens",
             cost_text(result.cost), f"{result.latency:.2f} s"]
    if result.confidence is not None:
        parts.append(f"confidence {result.confidence:.2f}")
    if result.cached:
        parts.append("from the cache")
    return " · ".join(parts)


def attempts_table(result):
    from rich.table import Table

    scores = {s["attempt_id"]: s["score"] for s in result.metadata.get("scores", [])}
    table = Table(title=None, box=None, header_style="bold")
    for column in ("", "model", "status", "in", "out", "cost", "latency", "conf."):
        table.add_column(column, justify="right" if column in ("in", "out", "cost", "latency", "conf.") else "left")
    if scores:
        table.add_column("score", justify="right")
    for attempt in result.attempts:
        row = ["★" if attempt.accepted else "", attempt.model, attempt.status,
               f"{attempt.usage.input_tokens:,}", f"{attempt.usage.output_tokens:,}",
               cost_text(attempt.cost, attempt.estimated), f"{attempt.latency:.2f} s",
               "" if attempt.confidence is None else f"{attempt.confidence:.2f}"]
        if scores:
            score = scores.get(attempt.attempt_id)
            row.append("" if score is None else f"{score:.3f}")
        table.add_row(*row)
    return table
