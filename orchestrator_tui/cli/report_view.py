"""Terminal views of the statistics: tables (Rich) and a cost chart (plotext)."""

from __future__ import annotations

import datetime as dt
import sys

from ..formatting import cost_text
from .tables import aligned


def print_stats(data: dict) -> None:
    """Plain aligned text: a Rich table would double the command's time."""
    lines = []
    for kind, label in (("real", "real spending"), ("demo", "demo provider (simulated)")):
        part = data[kind]
        if not part["requests"]:
            continue
        savings = part["savings"]
        lines += [
            (
                f"{label} ({data['period']}): {part['requests']:,} requests, "
                f"{cost_text(part['cost'])}, {part['input_tokens']:,} in / "
                f"{part['output_tokens']:,} out tokens, {part['cache_hits']:,} from cache"
            ),
            (
                f"savings: {cost_text(savings['saved'])} against the dearest model of each "
                f"chain or ensemble ({cost_text(savings['baseline_cost'])} vs "
                f"{cost_text(savings['actual_cost'])})"
            ),
            "",
        ]
        for key, count in (("model", "calls"), ("strategy", "requests"), ("category", "requests")):
            lines += ["  " + line for line in breakdown(key, part[f"by_{key}"], count)] + [""]
    print("\n".join(lines).rstrip() or "no requests recorded in this period")


def breakdown(key: str, rows: list[dict], count_key: str) -> list[str]:
    table = [(key, count_key, "cost")]
    table += [(str(r[key]), f"{r[count_key]:,}", cost_text(r["cost"])) for r in rows]
    return aligned(table, right_aligned={1, 2})


def print_chart(series, period: str, category: str | None) -> None:
    import plotext as plt

    fmt = "%H:00" if period == "daily" else "%m-%d"
    labels = [dt.datetime.fromtimestamp(point[0]).strftime(fmt) for point in series]
    plt.clf()
    plt.theme("clear")
    plt.plotsize(min(100, max(40, 6 * len(labels))), 15)
    plt.stacked_bar(
        labels, [[p[1] for p in series], [p[2] for p in series]], labels=["real", "demo"]
    )
    if not any(p[1] or p[2] for p in series):
        plt.ylim(0, 1)  # nothing spent: an axis from $0 up, not one centred on it
    plt.title(
        f"cost per {'hour' if period == 'daily' else 'day'} (USD)"
        + (f", category {category}" if category else "")
    )
    chart = plt.build()
    print(chart if sys.stdout.isatty() else plt.uncolorize(chart))
