"""Rich renderings for the informational commands."""

from __future__ import annotations

from .format import cost_text, price_text


def model_record(registry, model) -> dict:
    return {"name": model.name, "provider": model.provider, "tier": model.tier,
            "input_cost_per_mtok": model.prices.input, "output_cost_per_mtok": model.prices.output,
            "cache_read_cost_per_mtok": model.prices.cache_read,
            "cache_write_cost_per_mtok": model.prices.cache_write,
            "context_window": model.context_window, "max_output": model.max_output,
            "rpm": model.rpm, "tpm": model.tpm,
            "available": registry.has_credentials(model.provider)}


def models_table(records: list[dict]) -> list[str]:
    """Aligned plain-text rows: cheaper to print than a Rich table, which `orch models`'s
    start-up time notices."""
    rows = [("model", "provider", "tier", "$ in/M", "$ out/M", "context", "key")]
    for r in records:
        rows.append((r["name"], r["provider"], r["tier"], price_text(r["input_cost_per_mtok"]),
                     price_text(r["output_cost_per_mtok"]), short_count(r["context_window"]),
                     "yes" if r["available"] else "no"))
    return aligned(rows, right_aligned={3, 4, 5})


def aligned(rows: list[tuple[str, ...]], right_aligned: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(w) if i in right_aligned else cell.ljust(w)
                      for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]


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
    table.add_row("[bold]estimated cost[/]", f"{cost_text(data['estimated_cost'])} typical, "
                  f"{cost_text(data['worst_case_cost'])} at most")
    table.add_row("[bold]why[/]", "\n".join(data["reasons"]))
    return table
