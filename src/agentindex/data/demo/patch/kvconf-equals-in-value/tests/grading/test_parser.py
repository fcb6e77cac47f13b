import unittest

from kvconf import ParseError, parse

SAMPLE = """
# service settings
name = billing

[Server]
Host = 0.0.0.0
port = 8080
; a comment
motd = "  hello # world  "
"""


class ParseTest(unittest.TestCase):
    def test_sections_and_keys(self):
        conf = parse(SAMPLE)
        self.assertEqual(conf["default"], {"name": "billing"})
        self.assertEqual(conf["server"]["host"], "0.0.0.0")
        self.assertEqual(conf["server"]["port"], "8080")

    def test_quoted_value_keeps_spaces_and_hash(self):
        self.assertEqual(parse(SAMPLE)["server"]["motd"], "  hello # world  ")

    def test_empty_value(self):
        self.assertEqual(parse("key =")["default"]["key"], "")

    def test_missing_equals_is_an_error(self):
        with self.assertRaises(ParseError) as ctx:
            parse("[a]\njust some words\n")
        self.assertEqual(ctx.exception.lineno, 2)

    def test_bad_header(self):
        with self.assertRaises(ParseError):
            parse("[broken\n")

    def test_empty_key(self):
        with self.assertRaises(ParseError):
            parse(" = value")


if __name__ == "__main__":
    unittest.main()
