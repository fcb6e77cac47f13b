import unittest

from vercmp import InvalidVersion, Version


class ParseTest(unittest.TestCase):
    def test_fields(self):
        v = Version("v1.12.3-beta.1+build.7")
        self.assertEqual((v.major, v.minor, v.patch), (1, 12, 3))
        self.assertEqual(v.prerelease, ("beta", "1"))
        self.assertEqual(str(v), "1.12.3-beta.1+build.7")

    def test_invalid(self):
        for text in ["1.2", "01.2.3", "1.2.3-", "x.y.z"]:
            with self.assertRaises(InvalidVersion):
                Version(text)


class OrderTest(unittest.TestCase):
    def test_numeric_fields(self):
        self.assertLess(Version("1.9.0"), Version("1.10.0"))
        self.assertLess(Version("1.2.3"), Version("2.0.0"))

    def test_release_after_prerelease(self):
        self.assertLess(Version("1.0.0-rc.1"), Version("1.0.0"))

    def test_alphabetic_prerelease(self):
        self.assertLess(Version("1.0.0-alpha"), Version("1.0.0-beta"))

    def test_build_metadata_ignored(self):
        self.assertEqual(Version("1.0.0+a"), Version("1.0.0+b"))


if __name__ == "__main__":
    unittest.main()
