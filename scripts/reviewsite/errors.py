"""Problems are values with a location; only the CLI turns them into output.

    Problem       -- one problem at path:line:col (content: exit 1; configuration: exit 2)
    ReviewsiteError -- usage trouble with one message (exit 2)
    ConfigError   -- mkdocs.yml or the project's folders are unsafe or invalid: its problems (exit 2)
    ExitCode      -- every exit code the CLI returns, in one place
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    CONTENT = 1
    USAGE = 2
    FETCH = 3
    ENGINE = 4
    INTERRUPTED = 130


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


class ConfigError(ReviewsiteError):
    """The project's configuration is invalid or unsafe; carries every problem found (exit 2)."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
