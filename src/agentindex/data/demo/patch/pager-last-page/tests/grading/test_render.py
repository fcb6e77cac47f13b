import unittest

from pager import paginate, render_nav
from pager.render import window


class WindowTest(unittest.TestCase):
    def test_gaps(self):
        self.assertEqual(window(5, 9), [1, None, 4, 5, 6, None, 9])

    def test_no_gaps_when_small(self):
        self.assertEqual(window(2, 3), [1, 2, 3])


class RenderTest(unittest.TestCase):
    def test_middle(self):
        page = paginate(range(90), 5, 10)
        self.assertEqual(render_nav(page), "« 1 … 4 [5] 6 … 9 »")

    def test_single_page(self):
        self.assertEqual(render_nav(paginate(range(3), 1, 10)), "[1]")


if __name__ == "__main__":
    unittest.main()
