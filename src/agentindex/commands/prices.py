"""``agentindex prices``: the price sheet used for each model at a price date."""

from __future__ import annotations

import datetime as dt

from rich.console import Console

from agentindex.errors import ConfigError
from agentindex.pricing import price_sheet


def prices_command(models: list[str], date: str | None, console: Console) -> None:
    """Print the sheet of each ``provider/model`` at ``date`` (YYYY-MM-DD; default: today)."""
    try:
        when = dt.date.fromisoformat(date) if date else None
    except ValueError:
        raise ConfigError("prices", "--date", f"{date!r} is not YYYY-MM-DD") from None
    console.print(price_sheet(models, when))
