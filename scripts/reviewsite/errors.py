"""Problems are values with a location; only the CLI turns them into output.

    ReviewsiteError          -- raised for usage/config trouble (exit 2)
    Problem                  -- one content problem at path:line:col (exit 1 when any)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class ReviewsiteError(Exception):
    """A usage or configuration error: the CLI prints it and exits 2."""


class ContentInvalid(Exception):
    """Content failed validation; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = sorted(set(problems))
