"""Type and key checking of loaded TOML/YAML data, with key paths in errors."""

import datetime

from .errors import ConfigError


def keypath(*parts):
    """'base.phys_cpu_sets[2]' from ('base', 'phys_cpu_sets', 2)."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + p
    return out


def type_name(value):
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "an empty value (null)"
    if isinstance(value, (datetime.date, datetime.time)):     # TOML dates and times
        return "a date or time"
    return {int: "an integer", str: "a string", list: "a list",
            dict: "a table", float: "a float"}.get(type(value), type(value).__name__)


class Table:
    """A dict from a config file that hands out typed values and remembers
    which keys were read, so that unknown keys can be reported."""

    def __init__(self, data, file, path):
        if not isinstance(data, dict):
            raise ConfigError(file, path or "(top level)",
                              f"must be a table, not {type_name(data)}")
        self.data = data
        self.file = file
        self.path = path
        self.known = set()

    def key(self, name):
        return keypath(self.path, name) if self.path else name

    def _get(self, name, required):
        self.known.add(name)
        if name not in self.data:
            if required:
                raise ConfigError(self.file, self.key(name), "missing; this key is required")
            return None
        value = self.data[name]
        if value is None:               # YAML `key:` with nothing after it
            if required:
                raise ConfigError(self.file, self.key(name), "has no value; this key is required")
            return None                 # an optional key left empty: as if absent
        return value

    def int(self, name, required=True, default=None, minimum=0, maximum=(1 << 64) - 1):
        value = self._get(name, required)
        if value is None:
            return default
        return check_int(value, self.file, self.key(name), minimum, maximum)

    def bool(self, name, required=True, default=None):
        value = self._get(name, required)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ConfigError(self.file, self.key(name), f"must be true or false, not {type_name(value)}")
        return value

    def str(self, name, required=True, default=None, choices=None):
        value = self._get(name, required)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ConfigError(self.file, self.key(name),
                              f"must be a string, not {type_name(value)}")
        if choices is not None and value not in choices:
            raise ConfigError(self.file, self.key(name),
                              f"is {value!r}; use one of: {', '.join(choices)}")
        return value

    def list(self, name, required=True):
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, list):
            raise ConfigError(self.file, self.key(name),
                              f"must be a list, not {type_name(value)}")
        return value

    def table(self, name, required=True):
        value = self._get(name, required)
        if value is None:
            return None
        return Table(value, self.file, self.key(name))

    def finish(self):
        """Reject keys nobody asked for (typos, unsupported options)."""
        for name in sorted(self.data, key=str):
            if name not in self.known:
                raise ConfigError(self.file, self.key(str(name)),
                                  "unknown key; see docs/configuration.md for the keys Tessera reads")


def check_int(value, file, key, minimum=0, maximum=(1 << 64) - 1):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(file, key, f"must be an integer, not {type_name(value)}")
    if value < minimum:             # in hex if long: Python writes at most 4300 decimal digits
        shown = value if abs(value) < 1 << 64 else f"{value:#x}"
        raise ConfigError(file, key, f"is {shown}; it must be at least {minimum}")
    if value > maximum:
        bits = f" ({maximum.bit_length()} bits)" if maximum & (maximum + 1) == 0 else ""
        raise ConfigError(file, key, f"is {value:#x}; it must be at most {maximum:#x}{bits}")
    return value


def check_list_of_ints(value, file, key, minimum=0):
    return [check_int(v, file, keypath(key, i), minimum) for i, v in enumerate(value)]
