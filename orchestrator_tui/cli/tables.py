"""Rich renderings for the informational commands."""

from __future__ import annotations

from rich import box
from rich.table import Table

from .format import cost_text, price_text


def model_record(registry, model) -> dict:
    return {"name": model.name, "provider": model.provider, "tier": model.tier,
            "input_cost_per_mtok": model.prices.input, "output_cost_per_mtok": model.prices.output,
            "cache_read_cost_per_mtok": model.prices.cache_read,
            "cache_write_cost_per_mtok": model.prices.cache_write,
            "context_window": model.context_window, "max_output": model.max_output,
            "rpm": model.rpm, "tpm": model.tpm,
            "available": registry.has_credentials(model.provider)}


def models_table(records: list[dict], caption: str) -> Table:
    table = Table(caption=caption, header_style="bold", box=box.SIMPLE_HEAD)
    for column in ("model", "provider", "tier", "$ in/M", "$ out/M", "context", "key"):
        table.add_column(column, no_wrap=True,
                         justify="right" if column.startswith(("$", "con", "max")) else "left")
    for r in records:
        table.add_row(r["name"], r["provider"], r["tier"], price_text(r["input_cost_per_mtok"]),
                      price_text(r["output_cost_per_mtok"]), short_count(r["context_window"]),
                      "yes" if r["available"] else "[dim]no[/]")
    return table


def short_count(value: int | None) -> str:
    """1,000,000 → 1M, 922,000 → 922k."""
    if value is None:
        return "—"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    return f"{value / 1000:.3g}k" if value >= 1000 else str(value)


def route_panel(data: dict) -> Table:
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
