"""vercmp: parse and compare semantic versions, match them against ranges."""

from vercmp.ranges import max_satisfying, satisfies
from vercmp.version import InvalidVersion, Version

__all__ = ["InvalidVersion", "Version", "max_satisfying", "satisfies"]
