"""Step outputs for GitHub Actions, shared by the scripts in scripts/ci/ (they run as scripts, so this folder
is on their import path)."""

from __future__ import annotations

import os
import sys


def write_outputs(outputs: dict[str, str]) -> None:
    """`key=value` lines appended to `$GITHUB_OUTPUT`, or printed on stdout when it is unset (a local run)."""
    text = "".join(f"{key}={value}\n" for key, value in outputs.items())
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
