"""The batch progress bar (stderr): done and failed counts, throughput, ETA, cost so far."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)


class BatchView:
    def __init__(self, total: int, enabled: bool, demo: bool):
        self.total = total
        self.enabled = enabled
        self.last = None
        console = Console(stderr=True)
        if demo:
            console.print("[yellow]orch: using the demo provider: offline, simulated answers[/]")
        self.progress = Progress(
            TextColumn("[bold]batch[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[cost]}"),
            console=console,
            disable=not enabled,
        )
        self.task = self.progress.add_task("batch", total=total, counts="", rate="", cost="")

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def update(self, progress) -> None:
        import time

        self.last = progress
        elapsed = max(1e-9, time.perf_counter() - progress.started)
        self.progress.update(
            self.task,
            completed=progress.already_done + progress.finished,
            counts=f"[green]{progress.done} ok[/] [red]{progress.failed} failed[/]"
            + (f" [yellow]{progress.skipped} skipped[/]" if progress.skipped else ""),
            rate=f"{progress.finished / elapsed:.1f}/s",
            cost=f"${progress.cost:.6f}",
        )
