"""Rate limiter, budget pool and retry policy. The limiter runs on a fake clock: its waits
are exact and take no time."""

from __future__ import annotations

import asyncio

import pytest

from orchestrator_tui.engine.ratelimit import RateLimiter
from orchestrator_tui.engine.retry import RetryPolicy
from orchestrator_tui.engine.run_budget import BudgetPool


class FakeClock:
    """Time that passes only when the limiter sleeps."""

    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)  # others may run meanwhile, as they would


def fake_limiter(window_seconds: float) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock()
    return RateLimiter(window_seconds, clock=clock, sleep=clock.sleep), clock


async def test_rpm_makes_the_extra_request_wait_for_the_window():
    limiter, clock = fake_limiter(0.4)
    waits = []
    for _ in range(3):
        await limiter.acquire("m", rpm=2, tpm=None, tokens=1, on_wait=waits.append)
    assert waits == [pytest.approx(0.4)]  # the third waits until the first two expire
    assert clock.now == pytest.approx(0.4)


async def test_tpm_counts_tokens_and_settles_to_real_usage():
    limiter, clock = fake_limiter(0.3)
    ticket = await limiter.acquire("m", rpm=None, tpm=100, tokens=90)
    ticket.settle(10)  # the call used far fewer tokens than reserved
    await limiter.acquire("m", rpm=None, tpm=100, tokens=80)
    assert clock.slept == []  # fits at once after settling
    await limiter.acquire("m", rpm=None, tpm=100, tokens=50)
    assert clock.slept == [pytest.approx(0.3)]  # had to wait for the window


async def test_limiter_is_shared_by_concurrent_requests_in_arrival_order():
    limiter, clock = fake_limiter(0.3)
    order = []

    async def call(index):
        await limiter.acquire("m", rpm=2, tpm=None, tokens=1)
        order.append(index)

    await asyncio.gather(*(call(i) for i in range(5)))
    assert order == [0, 1, 2, 3, 4]
    assert clock.now == pytest.approx(0.6)  # two windows: 2 + 2 + 1


async def test_a_request_larger_than_the_tpm_still_goes_when_the_window_is_empty():
    limiter, clock = fake_limiter(10)
    await limiter.acquire("m", rpm=None, tpm=10, tokens=50)
    assert clock.slept == []


async def test_a_429_pauses_the_model_for_everyone_until_its_retry_after():
    limiter, _clock = fake_limiter(60.0)
    await limiter.acquire("m", rpm=50, tpm=50_000, tokens=2_000)
    limiter.slow_down("m", retry_after=0.4, rpm=50)
    waits = []
    await limiter.acquire("m", rpm=50, tpm=50_000, tokens=2_000, on_wait=waits.append)
    assert waits == [pytest.approx(0.4)]  # the pause, not a minute of a slashed limit


async def test_a_retry_after_orch_will_not_wait_for_pauses_no_one():
    limiter, clock = fake_limiter(60.0)
    limiter.slow_down("m", retry_after=900, rpm=50)  # the model is out: callers move on
    await limiter.acquire("m", rpm=50, tpm=None, tokens=1)
    assert clock.slept == []


async def test_429s_with_a_full_window_cut_the_rate_to_half_what_it_held():
    limiter, clock = fake_limiter(1.0)
    for _ in range(10):  # 10 calls in the window, 60 a second allowed: the server said no
        await limiter.acquire("m", rpm=60, tpm=None, tokens=1)
    limiter.slow_down("m", retry_after=1.0, rpm=60)
    for _ in range(12):
        await limiter.acquire("m", rpm=60, tpm=None, tokens=1)
    assert clock.now >= 2.0  # after the pause, about 5 a second, not 60


def test_budget_reserves_worst_case_and_settles_real_cost():
    pool = BudgetPool(1.0)
    first = pool.reserve(0.6)
    assert pool.reserve(0.5) is None
    assert "could cost up to $0.500000" in pool.refusal(0.5)
    pool.settle(first, 0.1)
    assert pool.spent == pytest.approx(0.1) and pool.remaining == pytest.approx(0.9)
    assert pool.reserve(0.5) is not None


def test_budget_treats_unknown_prices_as_unaffordable():
    assert BudgetPool(10.0).reserve(None) is None
    assert BudgetPool(None).reserve(None) is not None  # no budget, no limit


def test_budget_settles_an_unknown_actual_as_the_reservation():
    pool = BudgetPool(1.0)
    pool.settle(pool.reserve(0.4), None)
    assert pool.spent == pytest.approx(0.4)


def test_retry_policy_backoff_grows_with_jitter_and_caps():
    policy = RetryPolicy(max_retries=5, base_delay=0.5, max_delay=2.0)
    delays = [policy.delay(n, None) for n in range(1, 6)]
    assert 0.375 <= delays[0] <= 0.5 and 0.75 <= delays[1] <= 1.0
    assert all(d <= 2.0 for d in delays) and delays[4] >= 1.5
    assert policy.delay(6, None) is None


def test_retry_policy_honours_retry_after_but_not_absurd_ones():
    policy = RetryPolicy(max_retries=2)
    assert 7.5 <= policy.delay(1, 7.5) <= 8.5
    assert policy.delay(1, 600) is None


def test_waiters_told_the_same_retry_after_do_not_wake_together():
    policy = RetryPolicy(max_retries=2)
    waits = [policy.delay(1, 2.0) for _ in range(50)]
    assert all(2.0 <= wait <= 2.6 for wait in waits)  # never sooner than the server asked
    assert max(waits) - min(waits) > 0.2 and len(set(waits)) == 50
