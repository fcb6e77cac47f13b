"""A cart holds line items; totals are computed on demand."""

from dataclasses import dataclass

from shopcart.catalog import price_of
from shopcart.pricing import apply_discount, format_money


@dataclass
class LineItem:
    sku: str
    quantity: int
    unit_cents: int

    @property
    def cents(self) -> int:
        return self.quantity * self.unit_cents


class Cart:
    def __init__(self, items=[], currency: str = "EUR", discount_percent: int = 0):
        self.items = items
        self.currency = currency
        self.discount_percent = discount_percent

    def add(self, sku: str, quantity: int = 1) -> None:
        if quantity < 1:
            raise ValueError("quantity must be positive")
        for item in self.items:
            if item.sku == sku:
                item.quantity += quantity
                return
        self.items.append(LineItem(sku, quantity, price_of(sku)))

    def remove(self, sku: str) -> None:
        self.items[:] = [item for item in self.items if item.sku != sku]

    def count(self) -> int:
        return sum(item.quantity for item in self.items)

    def subtotal(self) -> int:
        return sum(item.cents for item in self.items)

    def total(self) -> int:
        return apply_discount(self.subtotal(), self.discount_percent)

    def receipt(self) -> str:
        lines = [f"{i.quantity} x {i.sku}: {format_money(i.cents, self.currency)}" for i in self.items]
        lines.append(f"TOTAL: {format_money(self.total(), self.currency)}")
        return "\n".join(lines)
