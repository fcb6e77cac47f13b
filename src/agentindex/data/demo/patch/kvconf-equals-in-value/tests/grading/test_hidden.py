import unittest

from kvconf import Config, ParseError, parse


class EqualsInValueTest(unittest.TestCase):
    def test_url_with_query(self):
        conf = parse("[db]\nurl = postgres://db/app?sslmode=require&x=1\n")
        self.assertEqual(conf["db"]["url"], "postgres://db/app?sslmode=require&x=1")

    def test_key_ends_at_first_equals(self):
        self.assertEqual(parse("a = b = c")["default"], {"a": "b = c"})

    def test_quoted_value_with_equals(self):
        self.assertEqual(parse('expr = " x == y "')["default"]["expr"], " x == y ")

    def test_base64_padding_via_config(self):
        conf = Config(parse("[auth]\ntoken = YWJjZA==\n"))
        self.assertEqual(conf.get("auth", "token"), "YWJjZA==")

    def test_line_without_equals_still_rejected(self):
        with self.assertRaises(ParseError) as ctx:
            parse("ok = 1\nnot a setting\n")
        self.assertEqual(ctx.exception.lineno, 2)


if __name__ == "__main__":
    unittest.main()
