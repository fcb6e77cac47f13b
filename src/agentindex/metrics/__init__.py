"""Metrics: pure functions over trial and call rows, each with its formula in the docstring."""
