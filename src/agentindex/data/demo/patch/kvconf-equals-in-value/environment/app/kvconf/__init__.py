"""kvconf: a small INI-style configuration reader with typed getters."""

from kvconf.parser import ParseError, parse, parse_file
from kvconf.values import Config

__all__ = ["Config", "ParseError", "load", "parse", "parse_file"]


def load(path: str) -> Config:
    return Config(parse_file(path))
