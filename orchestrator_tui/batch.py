"""Many prompts through the engine at once: read them, run them concurrently (the engine's
rate limiter paces each model), and append each answer to a JSONL file as it finishes.

Resumable: ids already answered in the output are not asked again. Each answer is written as
one whole line, so an interrupted run leaves only complete lines.
"""

from __future__ import annotations

import asyncio
import csv
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from .engine import Engine, Request
from .engine.budget import BudgetPool
from .errors import UsageError

ITEM_FIELDS = {"id", "prompt", "system", "model", "category"}


@dataclass
class BatchItem:
    id: str
    prompt: str
    system: str | None = None
    model: str | None = None
    category: str | None = None


@dataclass
class BatchProgress:
    total: int
    already_done: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    cost: float = 0.0
    started: float = field(default_factory=time.perf_counter)

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.skipped

    def summary(self) -> dict:
        return {"total": self.total, "already_done": self.already_done, "done": self.done,
                "failed": self.failed, "skipped": self.skipped,
                "elapsed_seconds": round(time.perf_counter() - self.started, 3),
                "cost": self.cost}


def read_items(path: Path) -> list[BatchItem]:
    """Items from JSONL (`{"id": …, "prompt": …}` a line) or CSV with the same columns."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    rows = csv_rows(text) if path.suffix.lower() == ".csv" else jsonl_rows(path, text)
    items, seen = [], set()
    for line, row in rows:
        item = to_item(path, line, row)
        if item.id in seen:
            raise UsageError(f"{path}:{line}: the id {item.id!r} appears twice")
        seen.add(item.id)
        items.append(item)
    return items


def jsonl_rows(path: Path, text: str):
    for line, raw in enumerate(text.splitlines(), 1):
        if raw.strip():
            try:
                yield line, json.loads(raw)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{path}:{line}: not valid JSON ({exc.msg})") from exc


def csv_rows(text: str):
    for line, row in enumerate(csv.DictReader(text.splitlines()), 2):
        yield line, {k: v for k, v in row.items() if v not in (None, "")}


def to_item(path: Path, line: int, row) -> BatchItem:
    if not isinstance(row, dict):
        raise UsageError(f"{path}:{line}: expected an object with id and prompt")
    unknown = set(row) - ITEM_FIELDS
    if unknown:
        raise UsageError(f"{path}:{line}: unknown field {sorted(unknown)[0]!r}")
    if row.get("id") in (None, "") or not str(row.get("prompt", "")).strip():
        raise UsageError(f"{path}:{line}: every line needs an id and a non-empty prompt")
    return BatchItem(**{k: str(v) for k, v in row.items()})


def answered_ids(output: Path) -> set[str]:
    """Ids already answered in `output`; keeps only those lines (drops failures and any
    partial last line), so that a rerun retries the rest."""
    if not output.exists():
        return set()
    text = output.read_text(encoding="utf-8")
    kept, ids = [], set()
    for raw in text.splitlines(keepends=True):
        try:
            record = json.loads(raw)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash
        if raw.endswith("\n") and record.get("success"):
            kept.append(raw)
            ids.add(str(record["id"]))
    if "".join(kept) != text:  # rewrite only when a line has to go
        temporary = output.with_name(output.name + ".tmp")
        temporary.write_text("".join(kept), encoding="utf-8")
        temporary.replace(output)
    return ids


class BatchRunner:
    def __init__(self, engine: Engine, template: Request, concurrency: int,
                 max_cost: float | None, on_progress=None):
        self.engine = engine
        self.template = template
        self.concurrency = concurrency
        self.budget = BudgetPool(max_cost)
        self.on_progress = on_progress or (lambda progress: None)

    def request_for(self, item: BatchItem) -> Request:
        base = self.template
        return replace(base, prompt=item.prompt, system=item.system or base.system,
                       strategy="single" if item.model else base.strategy,
                       model=item.model or base.model, tags=list(base.tags),
                       category=item.category or base.category)

    async def run(self, items: list[BatchItem], output: Path) -> BatchProgress:
        done_ids = answered_ids(output)
        todo = [item for item in items if item.id not in done_ids]
        progress = BatchProgress(total=len(items), already_done=len(items) - len(todo))
        self.on_progress(progress)
        queue: asyncio.Queue = asyncio.Queue()
        for item in todo:
            queue.put_nowait(item)
        with output.open("a", encoding="utf-8") as sink:
            workers = [asyncio.create_task(self.worker(queue, sink, progress))
                       for _ in range(min(self.concurrency, len(todo)) or 1)]
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
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")  # one whole line
            sink.flush()
            self.count(record, progress)
            self.on_progress(progress)

    async def answer(self, item: BatchItem) -> dict:
        try:
            result = await self.engine.run_to_result(self.request_for(item), budget=self.budget)
        except UsageError as error:
            return {"id": item.id, "success": False, "status": "failed", "error": str(error)}
        record = {"id": item.id, **result.to_dict()}
        error = result.metadata.get("error")
        record["status"] = "ok" if result.success else \
            "skipped" if error and error.startswith("the budget is too small") else "failed"
        if error:
            record["error"] = error
        return record

    @staticmethod
    def count(record: dict, progress: BatchProgress) -> None:
        status = record["status"]
        progress.done += status == "ok"
        progress.failed += status == "failed"
        progress.skipped += status == "skipped"
        progress.cost += record.get("cost") or 0.0
