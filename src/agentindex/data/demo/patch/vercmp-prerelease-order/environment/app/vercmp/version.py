"""Semantic versions (https://semver.org): MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]."""

import functools
import re

_PATTERN = re.compile(
    r"v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)


class InvalidVersion(ValueError):
    pass


@functools.total_ordering
class Version:
    def __init__(self, text: str):
        m = _PATTERN.fullmatch(text.strip())
        if not m:
            raise InvalidVersion(text)
        self.major, self.minor, self.patch = (int(m[k]) for k in ("major", "minor", "patch"))
        self.prerelease = tuple(m["pre"].split(".")) if m["pre"] else ()
        self.build = m["build"] or ""  # ignored for precedence

    def _key(self):
        # A release sorts after every pre-release of the same MAJOR.MINOR.PATCH.
        pre = (1,) if not self.prerelease else (0, ".".join(self.prerelease))
        return (self.major, self.minor, self.patch, pre)

    def __eq__(self, other):
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other):
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self):
        return hash(self._key())

    def __str__(self):
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        return text + (f"+{self.build}" if self.build else "")

    def __repr__(self):
        return f"Version({str(self)!r})"
