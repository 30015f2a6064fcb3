"""The one error type the generator raises for bad input, and its notices."""

import sys


def one_line(text):
    """text with every character that is not printable (line breaks, other
    control and format characters, lone surrogates) written as an escape
    such as \\n or \\u2028: a message that quotes a config's key or path
    stays one line, and cannot move a terminal's cursor."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def notice(file, key, message):
    """One line on stderr about a config the generator accepts but reads
    differently from what it says (the build goes on)."""
    print(one_line(f"notice: {file}: {key}: {message}"), file=sys.stderr)


class ConfigError(Exception):
    """A problem in a config or board file, reported as one line:

        <file>: <key path>: <what is wrong>; <what to do>
    """

    def __init__(self, file, key, message):
        super().__init__(message)
        self.file = str(file)
        self.key = key
        self.message = message

    def __str__(self):
        where = f"{self.file}: {self.key}" if self.key else self.file
        return one_line(f"{where}: {self.message}")
