"""The one problem printer: `path:line:col: message` lines on stderr, and GitHub annotations in Actions.

Everything that reports problems (check, build, serve, fetch, init) prints through here, so escaping
is done once: content cannot forge a `::error` line or a terminal escape through a message or a file name.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

from .errors import Problem


def _escape_annotation(value: str) -> str:
    """GitHub workflow-command escaping, so content cannot forge `::error` lines or commands."""
    return (
        value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace("\x1b", "")
        .replace(":", "%3A").replace(",", "%2C")
    )


def github_annotation(problem: Problem, level: str = "error") -> str:
    message = problem.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace("\x1b", "")
    return (
        f"::{level} file={_escape_annotation(problem.path)},line={problem.line},col={problem.col}"
        f"::{message}"
    )


def one_line(text: str) -> str:
    """A report line with every control character shown as `\\xNN`: the Actions runner reads stderr
    too, so a raw CR/LF (in a message or a file name) could start a forged `::` command line."""
    return "".join(
        ch if ch == "\t" or (ch >= " " and not "\x7f" <= ch <= "\x9f") else f"\\x{ord(ch):02x}" for ch in text
    )


def print_problems(problems: Sequence[Problem], *, level: str = "error", summary: bool = True,
                   stream: TextIO | None = None) -> None:
    """Each problem on one line, sorted as given, then a count; annotations too under GitHub Actions."""
    out = stream or sys.stderr
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for problem in problems:
        print(one_line(str(problem)), file=out)
        if annotate:
            print(github_annotation(problem, level))
    if summary:
        noun = ("warning" if level == "warning" else "problem") + ("" if len(problems) == 1 else "s")
        print(f"{len(problems)} {noun} found.", file=out)
