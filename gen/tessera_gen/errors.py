"""The one error type the generator raises for bad input."""


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
        return f"{where}: {self.message}"
