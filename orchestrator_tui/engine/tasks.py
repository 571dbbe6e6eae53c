"""Concurrent work that never outlives its caller: an ensemble's members, a judge's calls."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


async def run_all(awaitables: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run `awaitables` at once and return their results in order. When one raises, the
    others are cancelled and awaited before its exception (itself, not a group) propagates,
    so nothing goes on recording after the caller has finished."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(awaitable) for awaitable in awaitables]
    except BaseExceptionGroup as grouped:
        raise first_leaf(grouped) from None
    return [task.result() for task in tasks]


def first_leaf(grouped: BaseExceptionGroup[BaseException]) -> BaseException:
    first = grouped.exceptions[0]
    return first_leaf(first) if isinstance(first, BaseExceptionGroup) else first
