"""Model aliases as data: a requested name is sent as its provider's id and priced with its
sheet (data/model_aliases.toml)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from agentindex.errors import ConfigError
from agentindex.gateway import ProvidersConfig
from agentindex.gateway.exchange import resolve_target
from agentindex.metrics.cost import CostSum, Pricer
from agentindex.model_aliases import load_aliases, price_model, provider_model
from agentindex.pricing import price_call
from agentindex.usage import Usage

AT = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
USAGE = Usage(input=1000, cache_read=0, cache_write_5m=0, cache_write_1h=0, output=500)


def test_gemini_3_1_pro_is_priced_with_the_preview_sheet() -> None:
    # gemini-3.1-pro-preview: $2 input, $12 output per MTok (below the 200k tier):
    # 1000 * 2 + 500 * 12 = 8000 micro-dollars.
    price = price_call(USAGE, "google/gemini-3.1-pro", AT)
    assert price is not None and price.total == Decimal("0.008")
    assert price_call(USAGE, "google/gemini-3.1-pro-preview", AT) == price
    # The report's pricer (per call, summed) agrees, for the requested name and the sent id.
    pricer = Pricer(date(2026, 9, 1))
    for model in ("google/gemini-3.1-pro", "google/gemini-3.1-pro-preview"):
        acc = CostSum()
        pricer.add(acc, model, (1000, 0, 0, 0, 500), AT.timestamp())
        assert pricer.total(acc) == Decimal("0.008"), model
    # A scripted model may borrow the alias's sheet too.
    assert price_call(USAGE, "scripted/oracle?price=google/gemini-3.1-pro", AT) == price


def test_the_gateway_sends_the_providers_id() -> None:
    assert provider_model("google/gemini-3.1-pro") == "google/gemini-3.1-pro-preview"
    assert provider_model("google/gemini-2.5-pro") == "google/gemini-2.5-pro"
    assert price_model("openai/gpt-5.5") == "openai/gpt-5.5"
    providers = ProvidersConfig.defaults()
    target = resolve_target("google/gemini-3.1-pro", "gemini-3.1-pro", providers)
    assert (target.provider, target.model) == ("google", "gemini-3.1-pro-preview")
    # A providers file that maps the name itself wins over the built-in alias.
    mine = ProvidersConfig.defaults({"google": {"models": {"gemini-3.1-pro": "gemini-x"}}})
    assert resolve_target("google/gemini-3.1-pro", "", mine).model == "gemini-x"


def test_prices_command_prices_the_alias() -> None:
    out = subprocess.run([sys.executable, "-m", "agentindex.cli", "prices",
                          "google/gemini-3.1-pro", "--date", "2026-09-01"],
                         capture_output=True, text=True, check=True, timeout=120,
                         env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"}).stdout
    row = next(line for line in out.splitlines() if "google/gemini-3.1-pro" in line)
    assert "gemini-3.1-pro-preview" in row and "unknown" not in row
    assert "12 (>200000" in row  # the output price, with its long-context tier


@pytest.mark.parametrize(("text", "field", "problem"), [
    ('["gemini"]\nprovider_model = "x"\nprice = "google/x"\n', "gemini", "provider/model"),
    ('["google/a"]\nprice = "google/x"\n', "google/a.provider_model", "Field required"),
    ('["google/a"]\nprovider_model = "x"\nprice = "x"\n', "google/a.price", "provider/model"),
    ('["google/a"]\nprovider_model = "x"\nprice = "google/x"\ncost = 1\n', "google/a.cost",
     "Extra inputs"),
])
def test_a_bad_alias_file_names_the_file_and_field(tmp_path: Path, text: str, field: str,
                                                   problem: str) -> None:
    path = tmp_path / "aliases.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_aliases(path)
    assert err.value.file == str(path) and err.value.field == field
    assert problem in err.value.problem
