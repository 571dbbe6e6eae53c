"""Terminal views of the statistics: tables (Rich) and a cost chart (plotext)."""

from __future__ import annotations

import datetime as dt
import sys

from rich.console import Console
from rich.table import Table

from .format import cost_text


def print_stats(data: dict) -> None:
    console = Console(highlight=False, soft_wrap=True)
    for kind, label in (("real", "real spending"), ("demo", "demo provider (simulated)")):
        part = data[kind]
        if not part["requests"]:
            continue
        savings = part["savings"]
        console.print(f"[bold]{label}[/] ({data['period']}): {part['requests']:,} requests, "
                      f"{cost_text(part['cost'])}, {part['input_tokens']:,} in / "
                      f"{part['output_tokens']:,} out tokens, {part['cache_hits']:,} from cache")
        console.print(f"  savings: {cost_text(savings['saved'])} against the dearest model of "
                      f"each chain or ensemble ({cost_text(savings['baseline_cost'])} vs "
                      f"{cost_text(savings['actual_cost'])})")
        console.print(breakdown("model", part["by_model"], "calls"))
        console.print(breakdown("strategy", part["by_strategy"], "requests"))
        console.print(breakdown("category", part["by_category"], "requests"))
    if not data["real"]["requests"] and not data["demo"]["requests"]:
        console.print("no requests recorded in this period")


def breakdown(key: str, rows: list[dict], count_key: str) -> Table:
    table = Table(box=None, header_style="bold", padding=(0, 2, 0, 2))
    table.add_column(key)
    table.add_column(count_key, justify="right")
    table.add_column("cost", justify="right")
    for row in rows:
        table.add_row(str(row[key]), f"{row[count_key]:,}", cost_text(row["cost"]))
    return table


def print_chart(series, period: str, category: str | None) -> None:
    import plotext as plt

    fmt = "%H:00" if period == "daily" else "%m-%d"
    labels = [dt.datetime.fromtimestamp(point[0]).strftime(fmt) for point in series]
    plt.clf()
    plt.theme("clear")
    plt.plotsize(min(100, max(40, 6 * len(labels))), 15)
    plt.stacked_bar(labels, [[p[1] for p in series], [p[2] for p in series]],
                    labels=["real", "demo"])
    plt.title(f"cost per {'hour' if period == 'daily' else 'day'} (USD)"
              + (f", category {category}" if category else ""))
    chart = plt.build()
    print(chart if sys.stdout.isatty() else plt.uncolorize(chart))
