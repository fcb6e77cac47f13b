import unittest

from vercmp import max_satisfying, satisfies


class RangeTest(unittest.TestCase):
    def test_satisfies(self):
        self.assertTrue(satisfies("1.4.2", ">=1.2.0, <2.0.0"))
        self.assertFalse(satisfies("2.0.0", ">=1.2.0, <2.0.0"))
        self.assertTrue(satisfies("1.0.0", "!=1.0.1"))

    def test_bad_spec(self):
        with self.assertRaises(ValueError):
            satisfies("1.0.0", "~1.0")

    def test_max_satisfying(self):
        versions = ["1.2.0", "1.10.1", "1.9.9", "2.0.0"]
        self.assertEqual(max_satisfying(versions, "<2.0.0"), "1.10.1")
        self.assertIsNone(max_satisfying(versions, ">3.0.0"))


if __name__ == "__main__":
    unittest.main()
