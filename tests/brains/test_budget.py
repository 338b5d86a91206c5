"""Budgets: limits are never overshot, spending is accounted, threads cannot race past."""

from __future__ import annotations

import threading

import pytest

from agent.brains.budget import Budget, BudgetExhausted, BudgetLimits
from agent.errors import BottomupError


def test_call_limit_refuses_the_call_that_would_exceed_it():
    budget = Budget(BudgetLimits(max_calls=2))
    for _ in range(2):
        budget.settle(budget.reserve(10, 0.0), 10, 0.0)
    with pytest.raises(BudgetExhausted, match="2 of 2 calls"):
        budget.check()
    with pytest.raises(BudgetExhausted):
        budget.reserve(1, 0.0)
    assert budget.usage().calls == 2
    assert issubclass(BudgetExhausted, BottomupError)


def test_token_limit_counts_the_worst_case_then_the_real_usage():
    budget = Budget(BudgetLimits(max_tokens=1000))
    held = budget.reserve(600, 0.0)
    with pytest.raises(BudgetExhausted, match="token budget"):
        budget.reserve(600, 0.0)  # 600 reserved + 600 > 1000
    budget.settle(held, 150, 0.0)
    assert budget.usage().tokens == 150
    budget.reserve(600, 0.0)  # now fits: 150 + 600 <= 1000


def test_money_limit():
    budget = Budget(BudgetLimits(max_cost=0.05))
    budget.settle(budget.reserve(0, 0.03), 0, 0.03)
    budget.check(cost=0.02)
    with pytest.raises(BudgetExhausted, match="money budget"):
        budget.check(cost=0.021)


def test_wall_time_limit_uses_the_injected_clock():
    now = [100.0]
    budget = Budget(BudgetLimits(max_wall_s=5), clock=lambda: now[0])
    budget.check()
    now[0] = 105.0
    with pytest.raises(BudgetExhausted, match="time budget"):
        budget.check()


def test_negative_limits_are_refused():
    with pytest.raises(ValueError, match="max_calls"):
        BudgetLimits(max_calls=-1)


def test_threads_never_exceed_the_call_limit():
    budget = Budget(BudgetLimits(max_calls=500, max_tokens=50_000))
    granted = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(200):
            try:
                held = budget.reserve(100, 0.0)
            except BudgetExhausted:
                continue
            budget.settle(held, 90, 0.0)
            with lock:
                granted.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    usage = budget.usage()
    assert len(granted) == usage.calls == 500
    assert usage.tokens == 500 * 90
