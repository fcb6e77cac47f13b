"""The product catalog: SKU -> unit price in cents."""

PRICES = {
    "apple": 45,
    "bread": 289,
    "coffee": 1099,
    "milk": 119,
    "tea": 450,
}


class UnknownProduct(KeyError):
    pass


def price_of(sku: str) -> int:
    try:
        return PRICES[sku]
    except KeyError:
        raise UnknownProduct(sku) from None
