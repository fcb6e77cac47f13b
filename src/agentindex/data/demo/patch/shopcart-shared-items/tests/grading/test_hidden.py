import unittest

from shopcart import Cart, LineItem


class IndependentCartsTest(unittest.TestCase):
    def test_default_carts_are_independent(self):
        first = Cart()
        first.add("milk", 2)
        second = Cart()
        self.assertEqual(second.count(), 0)
        self.assertEqual(second.items, [])

    def test_changes_stay_in_their_cart(self):
        a, b = Cart(), Cart(currency="USD")
        a.add("tea")
        b.add("bread")
        b.remove("bread")
        self.assertEqual(a.count(), 1)
        self.assertEqual(b.count(), 0)
        self.assertEqual(b.receipt(), "TOTAL: 0.00 USD")

    def test_explicit_items_are_used(self):
        cart = Cart(items=[LineItem("apple", 2, 45)])
        cart.add("apple")
        self.assertEqual(cart.count(), 3)
        self.assertEqual(cart.total(), 135)


if __name__ == "__main__":
    unittest.main()
