"""Problems found in input, and the exceptions that carry them.

A ``Problem`` has a stable machine ``code`` (a server maps it to HTTP 422), a ``path`` into the input in
JSON-path style without the ``$`` ("criteria[1].aspects[3].max", "marks[812].mark"), a message for
people, and — for CSV input — the 1-based ``line`` of the file.  Validation collects every problem it can
find before anything is computed, so one run reports all bad rows rather than the first.
"""

from __future__ import annotations

import msgspec


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """One thing wrong with the input."""

    code: str
    path: str
    message: str
    line: int | None = None


class ScoringError(Exception):
    """Base of the core's refusals; ``problems`` lists every problem found."""

    kind = "invalid_input"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        head = self.problems[0] if self.problems else None
        text = f"{head.path}: {head.message}" if head else "invalid input"
        more = len(self.problems) - 1
        super().__init__(text + (f" (and {more} more problem(s))" if more > 0 else ""))

    @property
    def code(self) -> str:
        return self.problems[0].code if self.problems else self.kind


class InvalidScheme(ScoringError):
    """The marking scheme or its rules are inconsistent."""

    kind = "invalid_scheme"


class InvalidMarks(ScoringError):
    """Marks (or the roster they refer to) cannot be scored; nothing was computed."""

    kind = "invalid_marks"


class InvalidPolicy(ScoringError):
    """A promotion or advancement policy is inconsistent."""

    kind = "invalid_policy"
