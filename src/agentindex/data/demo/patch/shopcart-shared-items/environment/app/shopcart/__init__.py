"""shopcart: shopping carts with integer-cent prices and percentage discounts."""

from shopcart.cart import Cart, LineItem
from shopcart.catalog import UnknownProduct, price_of
from shopcart.pricing import apply_discount, format_money

__all__ = ["Cart", "LineItem", "UnknownProduct", "apply_discount", "format_money", "price_of"]
