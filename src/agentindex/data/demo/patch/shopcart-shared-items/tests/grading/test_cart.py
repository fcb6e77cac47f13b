import unittest

from shopcart import Cart, LineItem, UnknownProduct


class CartTest(unittest.TestCase):
    def test_add_and_total(self):
        cart = Cart(items=[])
        cart.add("bread", 2)
        cart.add("milk")
        self.assertEqual(cart.count(), 3)
        self.assertEqual(cart.total(), 2 * 289 + 119)

    def test_add_same_sku_merges(self):
        cart = Cart(items=[])
        cart.add("tea")
        cart.add("tea", 2)
        self.assertEqual(len(cart.items), 1)
        self.assertEqual(cart.items[0].quantity, 3)

    def test_remove(self):
        cart = Cart(items=[LineItem("apple", 3, 45)])
        cart.remove("apple")
        self.assertEqual(cart.count(), 0)

    def test_discount(self):
        cart = Cart(items=[], discount_percent=10)
        cart.add("coffee")
        self.assertEqual(cart.total(), 989)

    def test_unknown_product(self):
        with self.assertRaises(UnknownProduct):
            Cart(items=[]).add("caviar")

    def test_receipt(self):
        cart = Cart(items=[], currency="USD")
        cart.add("apple", 2)
        self.assertEqual(cart.receipt(), "2 x apple: 0.90 USD\nTOTAL: 0.90 USD")


if __name__ == "__main__":
    unittest.main()
