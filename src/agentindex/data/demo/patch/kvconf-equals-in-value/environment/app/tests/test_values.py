import unittest

from kvconf import Config, parse


class ValuesTest(unittest.TestCase):
    def setUp(self):
        self.conf = Config(parse("[db]\nport = 5432\nssl = Yes\nreplicas = a, b,,c\n"))

    def test_int(self):
        self.assertEqual(self.conf.get_int("db", "port"), 5432)

    def test_bool(self):
        self.assertTrue(self.conf.get_bool("DB", "SSL"))
        self.assertFalse(self.conf.get_bool("db", "debug", False))

    def test_list(self):
        self.assertEqual(self.conf.get_list("db", "replicas"), ["a", "b", "c"])

    def test_missing_without_default(self):
        with self.assertRaises(KeyError):
            self.conf.get("db", "user")


if __name__ == "__main__":
    unittest.main()
