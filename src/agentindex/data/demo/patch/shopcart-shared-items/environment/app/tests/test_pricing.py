import unittest

from shopcart import apply_discount, format_money


class PricingTest(unittest.TestCase):
    def test_discount_rounds_half_up(self):
        self.assertEqual(apply_discount(1099, 10), 989)  # 989.1
        self.assertEqual(apply_discount(250, 15), 213)   # 212.5

    def test_discount_bounds(self):
        self.assertEqual(apply_discount(500, 0), 500)
        self.assertEqual(apply_discount(500, 100), 0)
        with self.assertRaises(ValueError):
            apply_discount(500, 101)

    def test_format(self):
        self.assertEqual(format_money(1234), "12.34 EUR")
        self.assertEqual(format_money(-5, "USD"), "-0.05 USD")


if __name__ == "__main__":
    unittest.main()
