"""Many prompts through the engine at once: read them, run them concurrently (the engine's
rate limiter paces each model), and append each answer to a JSONL file as it finishes.

Resumable: ids whose last record in the output succeeded for the same request are not asked
again (batch.resume). Each answer is appended as one whole line and no other line of the
output is ever changed (batch.outputs), so an interrupted run leaves only complete lines.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..engine import Engine, Request
from ..engine.run_budget import BudgetPool
from ..engine.status import RequestStatus
from ..errors import UsageError
from .inputs import BatchItem, read_items
from .outputs import Appender, read_out
from .resume import Plan, plan_batch, request_hash

__all__ = ["BatchItem", "BatchProgress", "BatchRunner", "read_items"]


@dataclass
class BatchProgress:
    total: int
    already_done: int = 0
    changed: int = 0  # answered before for a different request (rerun or kept)
    done: int = 0
    failed: int = 0
    skipped: int = 0
    cost: float = 0.0
    started: float = field(default_factory=time.perf_counter)

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.skipped

    def summary(self) -> dict:
        return {
            "total": self.total,
            "already_done": self.already_done,
            "changed": self.changed,
            "done": self.done,
            "failed": self.failed,
            "skipped": self.skipped,
            "elapsed_seconds": round(time.perf_counter() - self.started, 3),
            "cost": self.cost,
        }


class BatchRunner:
    def __init__(
        self,
        engine: Engine,
        template: Request,
        concurrency: int,
        max_cost: float | None,
        on_progress=None,
    ):
        self.engine = engine
        self.template = template
        self.concurrency = concurrency
        self.budget = BudgetPool(max_cost)
        self.on_progress = on_progress or (lambda progress: None)

    def request_for(self, item: BatchItem) -> Request:
        base = self.template
        return replace(
            base,
            prompt=item.prompt,
            system=item.system or base.system,
            strategy="single" if item.model else base.strategy,
            model=item.model or base.model,
            tags=list(base.tags),
            category=item.category or base.category,
            stream=False,  # nobody watches a batch's tokens: each answer comes in one piece
        )

    def plan(self, items: list[BatchItem], output: Path, on_changed: str = "refuse") -> Plan:
        """What this run will ask; raises UsageError, before any call, for changed requests."""
        return plan_batch(items, read_out(output), self.hash_of, output, on_changed)

    def hash_of(self, item: BatchItem) -> str:
        return request_hash(self.request_for(item))

    async def run(
        self, items: list[BatchItem], output: Path, on_changed: str = "refuse"
    ) -> BatchProgress:
        return await self.execute(self.plan(items, output, on_changed), len(items), output)

    async def execute(self, plan: Plan, total: int, output: Path) -> BatchProgress:
        progress = BatchProgress(
            total=total, already_done=plan.already_done, changed=len(plan.changed)
        )
        self.on_progress(progress)
        if not plan.todo:
            return progress  # the output is not even opened
        queue: asyncio.Queue = asyncio.Queue()
        for item in plan.todo:
            queue.put_nowait(item)
        with Appender(output) as sink:
            workers = [
                asyncio.create_task(self.worker(queue, sink, progress))
                for _ in range(min(self.concurrency, len(plan.todo)))
            ]
            try:
                await asyncio.gather(*workers)
            finally:
                for worker in workers:
                    worker.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
        return progress

    async def worker(self, queue: asyncio.Queue, sink, progress: BatchProgress) -> None:
        while not queue.empty():
            item = queue.get_nowait()
            record = await self.answer(item)
            sink.write(record)  # one whole line, in one write
            self.count(record, progress)
            self.on_progress(progress)

    async def answer(self, item: BatchItem) -> dict:
        request = self.request_for(item)
        head = {"id": item.id, "request_hash": request_hash(request)}
        try:
            result = await self.engine.run_to_result(request, budget=self.budget)
        except UsageError as error:
            return {**head, "success": False, "status": RequestStatus.FAILED, "error": str(error)}
        record = {**head, **result.to_dict()}
        record["status"] = result.status  # skipped: the budget was too small for any call
        if result.error:
            record["error"] = result.error
        return record

    @staticmethod
    def count(record: dict, progress: BatchProgress) -> None:
        status = record["status"]
        progress.done += status == RequestStatus.OK
        progress.failed += status == RequestStatus.FAILED
        progress.skipped += status == RequestStatus.SKIPPED
        progress.cost += record.get("cost") or 0.0
