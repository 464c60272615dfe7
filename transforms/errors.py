"""The one typed error every parser raises."""

from __future__ import annotations


class ParseError(ValueError):
    """Input that does not have the shape its source promises.

    ``str(err)`` is one line naming the source, the location (URL or file) and what was wrong.
    """

    def __init__(self, source: str, reason: str, location: str | None = None, field: str | None = None):
        self.source = source
        self.reason = reason
        self.location = location
        self.field = field
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = f" {self.location}:" if self.location else ""
        return f"{self.source}:{where} {self.reason}".replace("\n", " ")

    def with_location(self, location: str) -> ParseError:
        """The same error, pointing at ``location`` (callers know the URL or file; parsers see bytes)."""
        return ParseError(self.source, self.reason, location=location, field=self.field)
