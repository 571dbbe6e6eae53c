"""Time windows for budgets, reports and `--since`."""

from __future__ import annotations

import datetime as dt
import re

from ..errors import UsageError

PERIODS = ("daily", "weekly", "monthly")


def start_of_day(now: dt.datetime | None = None) -> float:
    now = now or dt.datetime.now()
    return now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def start_of_month(now: dt.datetime | None = None) -> float:
    now = now or dt.datetime.now()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


def period_start(period: str, now: dt.datetime | None = None) -> float:
    """daily: today; weekly: the last 7 days from midnight; monthly: this calendar month."""
    now = now or dt.datetime.now()
    if period == "daily":
        return start_of_day(now)
    if period == "weekly":
        return start_of_day(now - dt.timedelta(days=6))
    if period == "monthly":
        return start_of_month(now)
    raise UsageError(f"unknown period {period!r} (choose from {', '.join(PERIODS)})")


def local_time(timestamp: float) -> str:
    """A recorded timestamp as people read it: `2026-11-26 09:47`, local time."""
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def parse_since(value: str | None) -> float | None:
    """`2026-11-01`, `2026-11-01T09:00`, `7d`, `12h`, `30m`, `today` → a timestamp."""
    if value is None:
        return None
    text = value.strip().lower()
    if text == "today":
        return start_of_day()
    relative = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([dhmw])", text)
    if relative:
        amount, unit = float(relative.group(1)), relative.group(2)
        seconds = {"m": 60, "h": 3600, "d": 86400, "w": 604800}[unit] * amount
        return dt.datetime.now().timestamp() - seconds
    try:
        return dt.datetime.fromisoformat(value.strip()).timestamp()
    except ValueError:
        raise UsageError(
            f"--since {value!r}: use a date (2026-11-01), 'today', or 7d / 12h / 30m"
        ) from None
