"""`--wait`'s progress bar (stderr): the requests of the open provider batches that have
their result, out of all their requests, and how many batches are still open."""

from __future__ import annotations

from typing import Any


class ProviderBatchView:
    def __init__(self, enabled: bool) -> None:
        import sys

        self.enabled = enabled and sys.stderr.isatty()  # a bar only where someone watches
        self.progress: Any = None
        self.task: Any = None

    def __enter__(self) -> ProviderBatchView:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.progress = Progress(
                TextColumn("[bold]provider batches[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[open]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self.task = self.progress.add_task("provider batches", total=None, open="")
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def update(self, finished: int, total: int, open_batches: int) -> None:
        if self.progress is None:
            return
        self.progress.update(
            self.task, completed=finished, total=total or None, open=f"{open_batches} open"
        )
