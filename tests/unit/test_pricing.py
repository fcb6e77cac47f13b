"""Per-call prices against hand-computed figures (genai-prices 0.2.3 data)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from rich.console import Console

from agentindex.pricing import (
    PriceOverride,
    price_call,
    price_ref,
    price_sheet,
    price_time,
)
from agentindex.usage import Usage

AT = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def usd(x: str) -> Decimal:
    return Decimal(x)


def test_anthropic_5m_and_1h_cache_writes():
    # claude-opus-4-7: $5 input, $0.5 cache read, $6.25 5m write, $10 1h write, $25 output / MTok
    usage = Usage(input=1000, cache_read=20000, cache_write_5m=3000, cache_write_1h=2000,
                  output=500)
    price = price_call(usage, "anthropic/claude-opus-4-7", AT)
    assert price is not None
    # 1000*5 + 20000*0.5 + 3000*6.25 + 2000*10 + 500*25 = 66250 micro-dollars
    assert price.total == usd("0.06625")
    assert price.input == usd("0.05375") and price.output == usd("0.0125")
    assert price.source.startswith("genai-prices")


def test_long_context_tier_is_per_call_not_per_sum():
    # claude-sonnet-4-5: $3 / $15 below 200k input tokens per call; $6 / $22.5 above
    one = Usage(input=150_000, output=1000)
    per_call = price_call(one, "anthropic/claude-sonnet-4-5", AT)
    assert per_call is not None and per_call.total == usd("0.465")  # 150k*3 + 1k*15
    summed = price_call(one + one, "anthropic/claude-sonnet-4-5", AT)
    assert summed is not None and summed.total == usd("1.845")  # 300k*6 + 2k*22.5: the trap
    assert 2 * per_call.total == usd("0.93")
    # the tier counts cached input too: 10k + 195k read = 205k > 200k
    big = price_call(Usage(input=10_000, cache_read=195_000, output=2000),
                     "anthropic/claude-sonnet-4-5", AT)
    assert big is not None and big.total == usd("0.222")  # 10k*6 + 195k*0.6 + 2k*22.5


@pytest.mark.parametrize(("model", "hour", "expected"), [
    # deepseek-chat: $0.27 in / $0.07 read / $1.1 out from 00:30 to 16:30 UTC, half outside
    ("deepseek/deepseek-chat", 12, "0.0415"),   # 100k*0.27 + 50k*0.07 + 10k*1.1
    ("deepseek/deepseek-chat", 18, "0.02075"),  # 100k*0.135 + 50k*0.035 + 10k*0.55
    # deepseek-v4-pro (from 2026-08-17): $0.66/$0.022/$1.98, peak hours 01-04, 06-10 UTC double
    ("deepseek/deepseek-v4-pro", 2, "0.1738"),  # 100k*1.32 + 50k*0.044 + 10k*3.96
    ("deepseek/deepseek-v4-pro", 12, "0.0869"),  # 100k*0.66 + 50k*0.022 + 10k*1.98
])
def test_time_of_day_price_at_pinned_date(model, hour, expected):
    usage = Usage(input=100_000, cache_read=50_000, output=10_000)
    started = datetime(2027, 1, 5, hour, 0, tzinfo=UTC).timestamp()  # the call's own day differs
    at = price_time(date(2026, 9, 1), started)
    assert at == datetime(2026, 9, 1, hour, 0, tzinfo=UTC)
    price = price_call(usage, model, at)
    assert price is not None and price.total == usd(expected)


def test_unknown_model_is_null_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="agentindex.pricing"):
        assert price_call(Usage(input=10, output=10), "anthropic/claude-nonexistent-9", AT) is None
    assert "claude-nonexistent-9" in caplog.text


def test_scripted_is_free_unless_it_borrows_a_sheet():
    usage = Usage(input=1200, cache_read=3400, cache_write_5m=560, cache_write_1h=0, output=78)
    free = price_call(usage, "scripted/oracle", AT)
    assert free is not None and free.total == 0 and free.source == "scripted"
    borrowed = price_call(usage, "scripted/oracle?price=anthropic/claude-sonnet-4-5", AT)
    # 1200*3 + 3400*0.3 + 560*3.75 + 78*15 = 3600 + 1020 + 2100 + 1170
    assert borrowed is not None and borrowed.total == usd("0.00789")


def test_provider_aliases_and_overrides():
    assert price_ref("moonshot/kimi-k2.6").provider_id == "moonshotai"
    kimi = price_call(Usage(input=1_000_000, output=0), "moonshot/kimi-k2.6", AT)
    assert kimi is not None and kimi.total == usd("0.95")
    override = PriceOverride(input_mtok=usd("2"), output_mtok=usd("8"), source="vendor page",
                             as_of=date(2026, 9, 1), cache_read_mtok=usd("0.5"))
    price = price_call(Usage(input=1000, cache_read=2000, output=100), "local/qwen", AT,
                       {"local/qwen": override})
    assert price is not None and price.total == usd("0.0038")  # 1000*2 + 2000*0.5 + 100*8
    assert price.source == "override: vendor page (2026-09-01)"


def test_price_sheet_shows_the_sheet_used():
    console = Console(record=True, width=250)
    console.print(price_sheet(["anthropic/claude-sonnet-4-5", "deepseek/deepseek-chat",
                               "scripted/loop", "openai/no-such-model"], date(2026, 9, 1)))
    text = console.export_text()
    assert "3 (>200000: 6)" in text
    assert "time-of-day" in text
    assert "scripted (free)" in text
    assert "unknown" in text
