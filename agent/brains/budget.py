"""Spending limits for model calls: calls, tokens, money and wall time.

A Budget is shared by every client of a run (and may be shared across threads). Before each HTTP
attempt the client calls `reserve()` with the worst case of that attempt (estimated input tokens
plus the reply limit); the reservation is refused with BudgetExhausted when it could exceed a
limit, so a limit is never overshot. After the attempt `settle()` replaces the reservation with
what the endpoint reported. `check()` asks the same question without reserving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from agent.errors import BottomupError


class BudgetExhausted(BottomupError):
    """A model call was refused because it could exceed the run's budget."""


@dataclass(frozen=True)
class BudgetLimits:
    """Upper bounds for one run; None means unlimited."""

    max_calls: int | None = None
    """HTTP attempts to the endpoint, retries included."""
    max_tokens: int | None = None
    """Input plus output tokens, as reported by the endpoint (or estimated when it does not)."""
    max_cost: float | None = None
    """Money, in the currency of ModelSettings' prices."""
    max_wall_s: float | None = None
    """Seconds since the budget was created; no call starts after that."""

    def __post_init__(self) -> None:
        for name in ("max_calls", "max_tokens", "max_cost", "max_wall_s"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"budget {name} must be >= 0, got {value}")


@dataclass(frozen=True)
class BudgetUsage:
    """What has been spent so far (settled calls plus reservations of calls in flight)."""

    calls: int
    tokens: int
    cost: float
    elapsed_s: float


@dataclass(frozen=True)
class Reservation:
    """The worst case of one attempt, held until it is settled."""

    tokens: int
    cost: float


class Budget:
    """Thread-safe accounting of model spending against BudgetLimits."""

    def __init__(
        self, limits: BudgetLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or BudgetLimits()
        self._clock = clock
        self._start = clock()
        self._lock = threading.Lock()
        self._calls = 0
        self._tokens = 0
        self._cost = 0.0

    def usage(self) -> BudgetUsage:
        """A consistent snapshot of the spending so far."""
        with self._lock:
            return BudgetUsage(self._calls, self._tokens, self._cost, self._clock() - self._start)

    def remaining_s(self) -> float | None:
        """Seconds left of the wall-time limit (None when there is none)."""
        if self.limits.max_wall_s is None:
            return None
        return max(0.0, self.limits.max_wall_s - (self._clock() - self._start))

    def check(self, tokens: int = 0, cost: float = 0.0) -> None:
        """Raise BudgetExhausted if one more call of this worst case could exceed a limit."""
        with self._lock:
            self._refuse_if_over(tokens, cost)

    def reserve(self, tokens: int, cost: float) -> Reservation:
        """Check and, atomically, count one call with its worst-case tokens and cost."""
        with self._lock:
            self._refuse_if_over(tokens, cost)
            self._calls += 1
            self._tokens += tokens
            self._cost += cost
            return Reservation(tokens, cost)

    def settle(self, reservation: Reservation, tokens: int, cost: float) -> None:
        """Replace a reservation with what the call really used (the call itself stays counted)."""
        with self._lock:
            self._tokens += tokens - reservation.tokens
            self._cost += cost - reservation.cost

    def _refuse_if_over(self, tokens: int, cost: float) -> None:
        lim = self.limits
        if lim.max_calls is not None and self._calls + 1 > lim.max_calls:
            raise BudgetExhausted(f"call budget spent: {self._calls} of {lim.max_calls} calls")
        if lim.max_tokens is not None and self._tokens + tokens > lim.max_tokens:
            raise BudgetExhausted(
                f"token budget: {self._tokens} used + {tokens} for this call"
                f" > {lim.max_tokens} allowed"
            )
        if lim.max_cost is not None and self._cost + cost > lim.max_cost + 1e-12:
            raise BudgetExhausted(
                f"money budget: {self._cost:.4f} spent + {cost:.4f} for this call"
                f" > {lim.max_cost:.4f} allowed"
            )
        elapsed = self._clock() - self._start
        if lim.max_wall_s is not None and elapsed >= lim.max_wall_s:
            raise BudgetExhausted(f"time budget spent: {elapsed:.1f} s of {lim.max_wall_s:.1f} s")
