"""Shared fixtures: a copy of a small content set in a temporary project, and the CLI in-process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def copy_project(name: str, dest: Path) -> Path:
    """Copy tests/fixtures/<name> to `dest`, pointing it at the repo's real templates."""
    shutil.copytree(FIXTURES / name, dest, ignore=shutil.ignore_patterns("site", "build"))
    config = dest / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("../../../templates", str(ROOT / "templates"))
    config.write_text(text, encoding="utf-8")
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the minimal fixture project."""
    return copy_project("minimal", tmp_path / "project")
