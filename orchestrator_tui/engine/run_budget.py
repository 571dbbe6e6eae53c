"""A spending limit for one run: worst-case reservations before calls, settled with real cost.

All members of a run draw from one pool. The engine runs on one event loop and a reservation
never awaits, so checking and reserving are one step: concurrent calls cannot overrun the limit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Reservation:
    amount: float


class BudgetPool:
    def __init__(self, limit: float | None):
        self.limit = limit
        self.spent = 0.0
        self.reserved = 0.0

    @property
    def remaining(self) -> float:
        if self.limit is None:
            return float("inf")
        return max(0.0, self.limit - self.spent - self.reserved)

    def refusal(self, estimate: float | None) -> str | None:
        """Why a call with this worst-case cost cannot be made now, or None if it can."""
        if self.limit is None:
            return None
        if estimate is None:
            return "the model has no known price, so no budget can cover it"
        if estimate > self.remaining + 1e-12:
            return (
                f"it could cost up to ${estimate:.6f} and ${self.remaining:.6f} "
                f"of the ${self.limit:.6f} budget is left"
            )
        return None

    def reserve(self, estimate: float | None) -> Reservation | None:
        """Reserve the worst case; None when it does not fit (see `refusal`)."""
        if self.limit is None:
            return Reservation(0.0)
        if estimate is None or self.refusal(estimate) is not None:
            return None
        self.reserved += estimate
        return Reservation(estimate)

    def settle(self, reservation: Reservation, actual: float | None) -> None:
        """Replace the reservation by what the call really cost (the reservation if unknown)."""
        self.reserved -= reservation.amount
        self.spent += reservation.amount if actual is None else actual
        reservation.amount = 0.0
