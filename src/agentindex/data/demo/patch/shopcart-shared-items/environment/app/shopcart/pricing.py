"""Money arithmetic in integer cents (never floats)."""


def apply_discount(cents: int, percent: int) -> int:
    """Price after a `percent` discount, rounded half up to the cent."""
    if not 0 <= percent <= 100:
        raise ValueError("percent must be within 0..100")
    return (cents * (100 - percent) + 50) // 100


def format_money(cents: int, currency: str = "EUR") -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d} {currency}"
