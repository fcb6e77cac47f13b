import unittest

from pager import PageError, page_count, paginate, render_nav


class PartialLastPageTest(unittest.TestCase):
    def test_partial_last_page_counted(self):
        self.assertEqual(page_count(25, 10), 3)
        self.assertEqual(page_count(1, 10), 1)
        self.assertEqual(page_count(21, 7), 3)
        self.assertEqual(page_count(22, 7), 4)

    def test_last_partial_page_items(self):
        page = paginate(range(25), 3, 10)
        self.assertEqual(page.items, [20, 21, 22, 23, 24])
        self.assertEqual(page.total_pages, 3)
        self.assertFalse(page.has_next)

    def test_has_next_before_partial_page(self):
        self.assertTrue(paginate(range(25), 2, 10).has_next)

    def test_nav_shows_partial_page(self):
        self.assertEqual(render_nav(paginate(range(25), 2, 10)), "« 1 [2] 3 »")

    def test_still_rejects_page_past_end(self):
        with self.assertRaises(PageError):
            paginate(range(25), 4, 10)


if __name__ == "__main__":
    unittest.main()
