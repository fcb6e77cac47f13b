"""Importers: public benchmark releases turned into task directories in the Harbor format.

Each importer reads a local copy of a release (the caller fetches it) and writes task
directories deterministically: the same input gives byte-identical output.
"""
