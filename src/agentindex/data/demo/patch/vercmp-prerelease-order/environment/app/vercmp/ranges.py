"""Ranges: comma-separated comparators, all of which must hold, e.g. ">=1.2.0, <2.0.0"."""

import operator
import re

from vercmp.version import Version

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
        "==": operator.eq, "!=": operator.ne}
_COMPARATOR = re.compile(r"\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*")


def _comparators(spec: str):
    for part in spec.split(","):
        m = _COMPARATOR.fullmatch(part)
        if not m:
            raise ValueError(f"bad comparator {part!r}")
        yield _OPS[m[1]], Version(m[2])


def satisfies(version, spec: str) -> bool:
    version = version if isinstance(version, Version) else Version(version)
    return all(op(version, bound) for op, bound in _comparators(spec))


def max_satisfying(versions, spec: str):
    """The highest of `versions` (strings) inside `spec`, or None."""
    matching = [Version(v) for v in versions if satisfies(v, spec)]
    return str(max(matching)) if matching else None
