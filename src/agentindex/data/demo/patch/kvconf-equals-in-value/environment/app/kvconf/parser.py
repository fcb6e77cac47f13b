"""Parse `[section]` headers and `key = value` lines into nested dicts.

Full-line comments start with `#` or `;`. Keys are case-insensitive (stored
lowercased). A value wrapped in double quotes keeps its inner whitespace and
may contain `#`. Lines before the first header belong to section "default".
"""


class ParseError(ValueError):
    def __init__(self, lineno: int, message: str):
        super().__init__(f"line {lineno}: {message}")
        self.lineno = lineno


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse(text: str) -> dict:
    sections = {"default": {}}
    current = sections["default"]
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            if not line.endswith("]") or len(line) < 3:
                raise ParseError(lineno, f"bad section header {line!r}")
            current = sections.setdefault(line[1:-1].strip().lower(), {})
            continue
        try:
            key, value = line.split("=")
        except ValueError:
            raise ParseError(lineno, "expected 'key = value'") from None
        key = key.strip().lower()
        if not key:
            raise ParseError(lineno, "empty key")
        current[key] = _unquote(value.strip())
    return sections


def parse_file(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return parse(f.read())
