import unittest

from pager import PageError, page_count, paginate


class PageCountTest(unittest.TestCase):
    def test_exact_multiple(self):
        self.assertEqual(page_count(20, 10), 2)

    def test_empty_has_one_page(self):
        self.assertEqual(page_count(0, 10), 1)

    def test_rejects_zero_per_page(self):
        with self.assertRaises(ValueError):
            page_count(5, 0)


class PaginateTest(unittest.TestCase):
    def test_first_page(self):
        page = paginate(range(30), 1, 10)
        self.assertEqual(page.items, list(range(10)))
        self.assertFalse(page.has_prev)
        self.assertTrue(page.has_next)

    def test_last_full_page(self):
        page = paginate(range(30), 3, 10)
        self.assertEqual(page.items, list(range(20, 30)))
        self.assertFalse(page.has_next)

    def test_out_of_range(self):
        with self.assertRaises(PageError):
            paginate(range(30), 4, 10)
        with self.assertRaises(PageError):
            paginate(range(30), 0, 10)

    def test_empty(self):
        page = paginate([], 1)
        self.assertEqual(page.items, [])
        self.assertEqual(page.total_pages, 1)


if __name__ == "__main__":
    unittest.main()
