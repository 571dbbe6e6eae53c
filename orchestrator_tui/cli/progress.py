"""A plain Rich progress bar on stderr for long offline commands."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def progress_bar(label: str, total: int, enabled: bool):
    """Yields `advance(n)`; draws nothing when disabled."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not enabled,
    )
    task = progress.add_task(label, total=total)
    with progress:
        yield lambda n=1: progress.advance(task, n)
