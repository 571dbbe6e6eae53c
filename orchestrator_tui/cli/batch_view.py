"""The batch progress bar (stderr): done and failed counts, throughput, ETA, cost so far.
With `--quiet` (and no demo notice to show) rich is not even imported: 0.15–0.2 s of CPU that
would compete with the SDK's import in the background."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress


class BatchView:
    def __init__(self, total: int, enabled: bool, demo: bool):
        self.total = total
        self.enabled = enabled
        self.last = None
        self.progress: Progress | None = None
        if enabled or demo:
            self.start_rich(demo)

    def start_rich(self, demo: bool) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        console = Console(stderr=True)
        if demo:
            console.print("[yellow]orch: using the demo provider: offline, simulated answers[/]")
        self.progress = progress = Progress(
            TextColumn("[bold]batch[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[cost]}"),
            console=console,
            disable=not self.enabled,
        )
        self.task = progress.add_task("batch", total=self.total, counts="", rate="", cost="")

    def __enter__(self):
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()

    def update(self, progress) -> None:
        import time

        self.last = progress
        if self.progress is None:
            return
        elapsed = max(1e-9, time.perf_counter() - progress.started)
        self.progress.update(
            self.task,
            completed=progress.already_done + progress.finished,
            counts=f"[green]{progress.done} ok[/] [red]{progress.failed} failed[/]"
            + (f" [yellow]{progress.skipped} skipped[/]" if progress.skipped else ""),
            rate=f"{progress.finished / elapsed:.1f}/s",
            cost=f"${progress.cost:.6f}",
        )
