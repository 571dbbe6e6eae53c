"""Rich renderings for the informational commands."""

from __future__ import annotations

from collections.abc import Sequence

from ..formatting import cost_text, price_text
from ..textfiles import shown


def model_record(registry, model) -> dict:
    batch = model.prices.batch_prices  # no known price when the model has no batch prices
    return {
        "name": model.name,
        "provider": model.provider,
        "tier": model.tier,
        "input_cost_per_mtok": model.prices.input,
        "output_cost_per_mtok": model.prices.output,
        "cache_read_cost_per_mtok": model.prices.cache_read,
        "cache_write_cost_per_mtok": model.prices.cache_write,
        "batch_input_cost_per_mtok": batch.input,
        "batch_output_cost_per_mtok": batch.output,
        "batch_cache_read_cost_per_mtok": batch.cache_read,
        "batch_cache_write_cost_per_mtok": batch.cache_write,
        "context_window": model.context_window,
        "max_output": model.max_output,
        "rpm": model.rpm,
        "tpm": model.tpm,
        "available": registry.has_credentials(model.provider),
    }


def models_table(records: list[dict]) -> list[str]:
    """Aligned plain-text rows: cheaper to print than a Rich table, which `orch models`'s
    start-up time notices."""
    rows = [("model", "provider", "tier", "$ in/M", "$ out/M", "batch in/out", "context", "key")]
    for r in records:
        rows.append(
            (
                r["name"],
                r["provider"],
                r["tier"],
                price_text(r["input_cost_per_mtok"]),
                price_text(r["output_cost_per_mtok"]),
                price_pair(r["batch_input_cost_per_mtok"], r["batch_output_cost_per_mtok"]),
                short_count(r["context_window"]),
                "yes" if r["available"] else "no",
            )
        )
    return aligned(rows, right_aligned={3, 4, 5, 6})


def price_pair(input_price: float | None, output_price: float | None) -> str:
    """`0.5/2.5`; `—` when neither price is known."""
    if input_price is None and output_price is None:
        return "—"
    return f"{price_text(input_price)}/{price_text(output_price)}"


def aligned(rows: Sequence[tuple[str, ...]], right_aligned: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(w) if i in right_aligned else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ).rstrip()
        for row in rows
    ]


def short_count(value: int | None) -> str:
    """1,000,000 → 1M, 922,000 → 922k."""
    if value is None:
        return "—"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    return f"{value / 1000:.3g}k" if value >= 1000 else str(value)


def route_panel(data: dict):
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_row("[bold]level[/]", data["level"])
    table.add_row("[bold]task types[/]", ", ".join(data["task_types"]))
    for level, hits in data["matched"].items():
        table.add_row(f"[bold]matched {level}[/]", ", ".join(hits))
    table.add_row("[bold]model[/]", f"{data['model']} ({data['provider']})")
    table.add_row(
        "[bold]estimated cost[/]",
        f"{cost_text(data['estimated_cost'])} typical, "
        f"{cost_text(data['worst_case_cost'])} at most",
    )
    if data["price_tier_above_input_tokens"] is not None:
        table.add_row(
            "[bold]price tier[/]",
            f"over {data['price_tier_above_input_tokens']:,} "
            "input tokens: every token at the tier's prices",
        )
    table.add_row("[bold]why[/]", "\n".join(data["reasons"]))
    return table


def history_lines(rows: list[dict]) -> list[str]:
    from ..store.conversations import SHORT_ID
    from ..store.periods import local_time as when
    from ..store.ratings import rating_label

    table = [
        (
            "id",
            "when",
            "conv.",
            "strategy",
            "model",
            "cost",
            "tokens in/out",
            "latency",
            "note",
            "prompt",
        )
    ]
    for r in rows:
        rating = rating_label(r["rating"], r["rated_by"])
        note = ", ".join(
            n
            for n, on in (
                ("demo", r["demo"]),
                ("cached", r["cached"]),
                (r["status"], r["status"] != "ok"),
                (rating, rating),
            )
            if on
        )
        prompt = shown(r["prompt"] or "").replace("\n", " ")
        table.append(
            (
                str(r["id"]),
                when(r["timestamp"]),
                (r["conversation_id"] or "—")[:SHORT_ID],
                r["strategy"] or "",
                r["model_used"] or "—",
                cost_text(r["cost"]),
                f"{r['input_tokens'] or 0}/{r['output_tokens'] or 0}",
                f"{r['latency'] or 0:.2f} s",
                note,
                prompt[:40] + ("…" if len(prompt) > 40 else ""),
            )
        )
    return aligned(table, right_aligned={0, 5, 6, 7})


def request_detail(record: dict) -> list:
    from rich.markdown import Markdown
    from rich.table import Table
    from rich.text import Text

    from ..store.periods import local_time as when
    from ..store.ratings import rating_label

    head = Table.grid(padding=(0, 2))
    for label, value in (
        ("id", record["id"]),
        ("when", when(record["timestamp"])),
        ("strategy", record["strategy"]),
        ("status", record["status"]),
        ("model", f"{record['model_used']} ({record['provider']})"),
        ("cost", cost_text(record["cost"])),
        ("conversation", record["conversation_id"] or "—"),
        ("category", record["category"] or "—"),
        ("demo", "yes" if record["demo"] else "no"),
        ("rating", rating_label(record["rating"], record["rated_by"]) or "—"),
        ("prompt", shown(record["prompt"] or "(not logged)")),
    ):
        head.add_row(f"[bold]{label}[/]", Text(str(value)))  # the user's text, not markup
    attempts = Table(header_style="bold", box=None)
    for column in ("#", "model", "status", "in", "out", "cost", "latency", "conf.", "note"):
        attempts.add_column(column)
    for a in record["attempts"]:
        attempts.add_row(
            str(a["attempt_no"]),
            a["model"],
            a["status"],
            str(a["input_tokens"]),
            str(a["output_tokens"]),
            cost_text(a["cost"], a.get("estimated")),
            f"{a['latency'] or 0:.2f} s",
            "" if a["confidence"] is None else f"{a['confidence']:.2f}",
            "★" if a["accepted"] else (a["error"] or ""),
        )
    return [head, attempts, Markdown(shown(record["response"] or "*(response not logged)*"))]
