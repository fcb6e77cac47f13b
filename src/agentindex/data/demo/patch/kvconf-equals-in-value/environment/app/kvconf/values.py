"""Typed access to parsed sections."""

_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off"}
_MISSING = object()


class Config:
    def __init__(self, sections: dict):
        self.sections = sections

    def get(self, section: str, key: str, default=_MISSING) -> str:
        try:
            return self.sections[section.lower()][key.lower()]
        except KeyError:
            if default is _MISSING:
                raise KeyError(f"{section}.{key}") from None
            return default

    def get_int(self, section: str, key: str, default=_MISSING) -> int:
        value = self.get(section, key, default)
        return value if value is default else int(value)

    def get_bool(self, section: str, key: str, default=_MISSING) -> bool:
        value = self.get(section, key, default)
        if value is default:
            return value
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"{section}.{key}: not a boolean: {value!r}")

    def get_list(self, section: str, key: str, default=_MISSING) -> list:
        value = self.get(section, key, default)
        if value is default:
            return value
        return [part.strip() for part in value.split(",") if part.strip()]
