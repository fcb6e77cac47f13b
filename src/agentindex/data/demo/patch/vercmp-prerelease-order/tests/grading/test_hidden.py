import unittest

from vercmp import Version, max_satisfying


class PrereleasePrecedenceTest(unittest.TestCase):
    def test_spec_precedence_example(self):
        # The ordering given in semver.org, section 11.
        ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                   "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]
        shuffled = ordered[3:] + ordered[:3]
        self.assertEqual([str(v) for v in sorted(map(Version, shuffled))], ordered)

    def test_numeric_identifiers_compare_numerically(self):
        self.assertLess(Version("1.0.0-rc.9"), Version("1.0.0-rc.10"))
        self.assertLess(Version("1.0.0-2"), Version("1.0.0-10"))
        self.assertGreater(Version("3.1.0-beta.100"), Version("3.1.0-beta.99"))

    def test_max_satisfying_prerelease(self):
        versions = ["2.0.0-rc.9", "2.0.0-rc.10", "1.9.0"]
        self.assertEqual(max_satisfying(versions, ">=2.0.0-rc.1"), "2.0.0-rc.10")

    def test_numeric_before_alphanumeric(self):
        self.assertLess(Version("1.0.0-1"), Version("1.0.0-alpha"))
        self.assertLess(Version("1.0.0-alpha"), Version("1.0.0-alpha.1"))

    def test_equal_versions_hash_alike(self):
        self.assertEqual(Version("1.0.0-rc.1+x"), Version("1.0.0-rc.1"))
        self.assertEqual(len({Version("1.0.0-rc.1+x"), Version("1.0.0-rc.1")}), 1)


if __name__ == "__main__":
    unittest.main()
