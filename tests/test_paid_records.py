"""What was paid is written whatever happens around it: a cancel while the writer is busy,
a cache that fails, a fork, a retry; and no secret survives in an error, whole or cut."""

from __future__ import annotations

import asyncio
import os
import select
import sqlite3
import threading
from collections import defaultdict

import pytest

from orchestrator_tui.config import BudgetSettings
from orchestrator_tui.engine import Engine, Request
from orchestrator_tui.engine.events import Note
from orchestrator_tui.engine.ports import NoCache
from orchestrator_tui.providers.demo import DemoProvider
from orchestrator_tui.store.budgets import clear_limits, set_limits
from orchestrator_tui.store.db import open_db
from orchestrator_tui.store.ledger import SQLiteLedger

from .conftest import OPENAI_KEY, fast_settings, run_collect
from .fake_server import Gate, Reply
from .test_stream_faults import ExplodingProvider

MEMBERS = ["test-small-a", "test-small-o"]


class HeldDemo(DemoProvider):
    """The demo provider, holding each stream after its first words until its model is
    released, and telling the test when `expected` streams have started."""

    def __init__(self, expected: int):
        super().__init__(speed=0)
        self.expected, self.started = expected, 0
        self.all_started = asyncio.Event()
        self.released: dict[str, asyncio.Event] = {}

    async def stream(self, model, params):
        release = self.released.setdefault(model.name, asyncio.Event())
        async for part in super().stream(model, params):
            yield part
            if type(part).__name__ == "TextPart" and not release.is_set():
                self.started += 1
                if self.started == self.expected:
                    self.all_started.set()
                await release.wait()


class CountingExecutor:
    """The store's executor, noting what is submitted to it by method name (`arrived[name]`
    is set at the first); once `block_after` is submitted, the writer is kept busy (another
    process holding the write lock) until `busy` is set. The engine submits from its loop."""

    def __init__(self, executor, block_after: str):
        self.executor, self.block_after = executor, block_after
        self.submitted: list[str] = []
        self.arrived: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.busy = threading.Event()

    def submit(self, function, *args):
        name = getattr(function, "__name__", "")
        self.submitted.append(name)
        self.arrived[name].set()
        future = self.executor.submit(function, *args)
        if name == self.block_after and self.submitted.count(name) == 1:
            self.executor.submit(self.busy.wait)
        return future


def drain(ledger: SQLiteLedger) -> None:
    """Wait until every write submitted to the store's writer has run."""
    assert ledger.executor is not None
    ledger.executor.submit(lambda: None).result(timeout=30)


async def test_a_cancel_while_the_writer_is_busy_still_writes_every_paid_attempt(tmp_path):
    """Before: a cancel dropped the writes still queued behind a busy writer."""
    settings = fast_settings()
    db = open_db(tmp_path / "orch.db")
    ledger = SQLiteLedger(db, settings)
    demo = HeldDemo(expected=2)
    # the first member's reservation is settled, then the writer is busy: its record waits
    ledger.executor = writer = CountingExecutor(ledger.executor, block_after="settle")
    engine = Engine(settings, demo=True, ledger=ledger, providers={"demo": demo})
    run = asyncio.create_task(
        engine.run_to_result(
            Request("What is the capital of France?", strategy="ensemble", models=MEMBERS)
        )
    )
    try:
        await asyncio.wait_for(demo.all_started.wait(), 30)
        demo.released[MEMBERS[0]].set()  # one member finishes
        await asyncio.wait_for(writer.arrived["attempt_finished"].wait(), 30)
        assert writer.submitted.count("attempt_finished") == 1
        run.cancel()  # Escape while the other still streams
    finally:
        writer.busy.set()
    with pytest.raises(asyncio.CancelledError):
        await run
    drain(ledger)
    rows = db.execute("SELECT model, cost FROM attempts ORDER BY model").fetchall()
    assert sorted(r["model"] for r in rows) == sorted(MEMBERS) and all(r["cost"] > 0 for r in rows)


class BrokenCache(NoCache):
    def get(self, key):
        return None

    def put(self, key, model, provider, text, usage):
        raise sqlite3.OperationalError("database is locked")


async def test_a_cache_that_cannot_be_written_never_costs_the_answer():
    engine = Engine(fast_settings(), demo=True, cache=BrokenCache())
    result, events = await run_collect(
        engine, Request("What is 2 + 2?", strategy="single", model="test-small-o")
    )
    assert result.success and result.attempts[0].status == "ok"
    assert any(
        "response cache could not be used" in e.message for e in events if isinstance(e, Note)
    )


async def test_each_try_keeps_its_own_reservation_so_a_retry_never_erases_a_paid_try(
    make_engine, fake_api, tmp_path
):
    settings = fast_settings(budget=BudgetSettings(daily=100.0))
    db = open_db(tmp_path / "orch.db")
    ledger = SQLiteLedger(db, settings)
    held = Gate(after=1)
    fake_api.script(Reply(break_after=3), Reply(gate=held))  # a paid, broken try; then a retry
    engine = make_engine(settings, ledger=ledger)
    run = asyncio.create_task(
        run_collect(engine, Request("hi", strategy="single", model="test-small-o"))
    )
    await asyncio.to_thread(held.wait)
    drain(ledger)
    amounts = [row[0] for row in db.execute("SELECT amount FROM reservations ORDER BY owner")]
    held.release()
    result, _ = await run
    assert len(amounts) == 2  # the first try's settled cost is still held beside the second's
    assert 0 < amounts[0] < amounts[1]  # settled (estimated) cost, and a worst-case estimate
    assert result.success and result.attempts[0].estimated


class FailingReservations(SQLiteLedger):
    def reserve(self, ctx, attempt, model, estimate):
        raise sqlite3.OperationalError("disk I/O error")


async def test_a_reservation_the_store_cannot_make_gives_the_run_budget_back(tmp_path):
    settings = fast_settings()
    db = open_db(tmp_path / "orch.db")
    set_limits(db, daily=100.0, monthly=None)  # a budget to reserve against
    engine = Engine(settings, demo=True, ledger=FailingReservations(db, settings))
    from orchestrator_tui.engine.run_budget import BudgetPool

    pool = BudgetPool(1.0)
    result = await engine.run_to_result(
        Request("hi", strategy="single", model="test-small-o"), budget=pool
    )
    assert not result.success and "disk I/O error" in result.attempts[0].error
    assert pool.reserved == 0.0  # nothing held for a call that was never made


class CountingReservations(SQLiteLedger):
    def __init__(self, db, settings):
        super().__init__(db, settings)
        self.calls: list[str] = []

    def reserve(self, ctx, attempt, model, estimate):
        self.calls.append("reserve")
        return super().reserve(ctx, attempt, model, estimate)

    def settle(self, ctx, attempt, actual):
        self.calls.append("settle")
        super().settle(ctx, attempt, actual)


@pytest.mark.parametrize("with_budget", [False, True])
async def test_reservations_reach_the_store_only_when_a_budget_exists(tmp_path, with_budget):
    settings = fast_settings()
    db = open_db(tmp_path / "orch.db")
    if with_budget:
        set_limits(db, daily=100.0, monthly=None)
    ledger = CountingReservations(db, settings)
    engine = Engine(settings, demo=True, ledger=ledger)
    result = await engine.run_to_result(Request("hi", strategy="single", model="test-small-o"))
    assert result.success
    assert ledger.calls == (["reserve", "settle"] if with_budget else [])


class BudgetsRemovedMidCall(SQLiteLedger):
    """The budgets are removed while a call holds its reservation, as `orch budget clear`
    in another terminal would, and another run's start notices it."""

    def reserve(self, ctx, attempt, model, estimate):
        refusal = super().reserve(ctx, attempt, model, estimate)
        clear_limits(self.db)
        self.has_budgets = False
        return refusal


async def test_a_reservation_made_before_the_budgets_were_removed_does_not_outlive_its_call(
    tmp_path,
):
    settings = fast_settings()
    db = open_db(tmp_path / "orch.db")
    set_limits(db, daily=100.0, monthly=None)
    ledger = BudgetsRemovedMidCall(db, settings)
    engine = Engine(settings, demo=True, ledger=ledger)
    result = await engine.run_to_result(Request("hi", strategy="single", model="test-small-o"))
    assert result.success
    drain(ledger)
    assert db.execute("SELECT COUNT(*) FROM reservations").fetchone()[0] == 0


async def test_a_secret_in_a_long_error_is_redacted_before_the_error_is_shortened(
    make_engine, fake_api
):
    class LeakyProvider(ExplodingProvider):
        async def stream(self, model, params):
            yield  # an async generator
            raise RuntimeError("x" * 100 + f"Authorization: Bearer {OPENAI_KEY}" + "y" * 500)

    engine = make_engine(providers={"openai": LeakyProvider()})
    result, events = await run_collect(
        engine, Request("hi", strategy="single", model="test-small-o")
    )
    error = result.attempts[0].error
    assert "[redacted]" in error and len(error) <= 300
    assert not any(
        OPENAI_KEY[i : i + 8] in repr(events) + error for i in range(len(OPENAI_KEY) - 8)
    )


async def test_a_bug_in_an_adapter_is_not_retried_as_if_the_chunk_were_malformed(
    make_engine, fake_api
):
    class BuggyProvider(ExplodingProvider):
        async def stream(self, model, params):
            yield  # an async generator
            raise TypeError("unsupported operand type(s) for +: 'int' and 'NoneType'")

    result, _events = await run_collect(
        make_engine(providers={"openai": BuggyProvider()}),
        Request("hi", strategy="single", model="test-small-o"),
    )
    assert result.attempts[0].retries == 0 and "unexpected error" in result.attempts[0].error


def test_a_forked_child_records_on_its_own_writer(tmp_path):
    """The child of a fork has none of its parent's threads: it must not wait on them."""
    settings = fast_settings()
    path = tmp_path / "orch.db"
    request = Request("What is 2 + 2?", strategy="single", model="test-small-o")

    def run_once() -> bool:
        engine = Engine(settings, demo=True, ledger=SQLiteLedger(open_db(path), settings))
        return asyncio.run(engine.run_to_result(request)).success

    assert run_once()  # the parent's writer thread exists now
    child = os.fork()
    if child == 0:
        os._exit(0 if run_once() else 1)
    exited = os.pidfd_open(child)  # readable once the child has exited
    try:
        if not select.select([exited], [], [], 60)[0]:
            os.kill(child, 9)
            pytest.fail("the forked child never finished recording")
    finally:
        os.close(exited)
    assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
    assert open_db(path).execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 2
