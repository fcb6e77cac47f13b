"""Cost: each call priced at the price date, then summed; exact against price_call."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from agentindex.metrics.cost import CostSum, Pricer
from agentindex.pricing import price_call, price_time
from agentindex.usage import Usage

T = 1_780_000_000.0
OPUS = "anthropic/claude-opus-4-6"  # long-context tier (> 200k input) until 2026-03-13


def _cost(pricer: Pricer, model: str, calls: list[tuple[int, int, int, int, int]]
          ) -> Decimal | None:
    acc = CostSum()
    for c in calls:
        pricer.add(acc, model, c, T)
    return pricer.total(acc)


def test_repricing_at_two_dates() -> None:
    # One long call (150k uncached + 100k cache read = 250k input > 200k) and one short one.
    calls = [(150_000, 100_000, 0, 0, 1_000), (1_000, 0, 0, 0, 100)]
    # 2026-03-01, tier prices $10 in / $1 read / $37.5 out for the long call, base for the short:
    #   150000*10 + 100000*1 + 1000*37.5 = 1_637_500 -> 1.6375; 1000*5 + 100*25 -> 0.0075
    assert _cost(Pricer(date(2026, 3, 1)), OPUS, calls) == Decimal("1.645")
    # 2026-04-01, no tiers: 150000*5 + 100000*0.5 + 1000*25 = 825_000 -> 0.825; + 0.0075
    assert _cost(Pricer(date(2026, 4, 1)), OPUS, calls) == Decimal("0.8325")
    # Summing the trial first and pricing once would have tiered the short call too: 1.65125.


def test_scripted_usage_at_a_borrowed_sonnet_price() -> None:
    # 1200*3 + 3400*0.30 + 560*3.75 + 78*15 = 7890 micro-dollars a call
    model = "scripted/oracle?price=anthropic/claude-sonnet-4-5"
    assert _cost(Pricer(date(2026, 5, 1)), model, [(1200, 3400, 560, 0, 78)] * 3) == \
        Decimal("0.02367")


def test_free_and_unknown_models() -> None:
    pricer = Pricer(date(2026, 5, 1))
    assert _cost(pricer, "scripted/oracle", [(1200, 3400, 560, 0, 78)]) == 0
    assert _cost(pricer, "acme/no-such-model", [(10, 0, 0, 0, 1)]) is None  # never 0
    assert pricer.sources["scripted/oracle"] == "scripted (free)"
    assert pricer.sources["acme/no-such-model"].startswith("unknown")


@pytest.mark.parametrize("model", ["anthropic/claude-sonnet-4-5", "deepseek/deepseek-chat",
                                   "openai/gpt-5", "google/gemini-2.5-pro", OPUS])
def test_fast_path_equals_price_call_to_the_last_digit(model: str) -> None:
    rng = random.Random(model)
    day = date(2026, 3, 1)
    pricer, acc, expected = Pricer(day), CostSum(), Decimal(0)
    for _ in range(200):
        c = (rng.randint(0, 300_000), rng.randint(0, 100_000), rng.randint(0, 5_000),
             rng.choice([0, 0, 2_000]), rng.randint(0, 5_000))
        at = T + rng.random() * 86_400  # any time of day (DeepSeek has off-peak prices)
        pricer.add(acc, model, c, at)
        p = price_call(Usage(input=c[0], cache_read=c[1], cache_write_5m=c[2],
                             cache_write_1h=c[3], output=c[4]), model, price_time(day, at))
        assert p is not None
        expected += p.total
    assert pricer.total(acc) == expected
