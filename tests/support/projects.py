"""Writable copies of the small fixture projects under tests/fixtures/."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def copy_project(name: str, dest: Path) -> Path:
    """Copy tests/fixtures/<name> to `dest`, with a copy of the repo's real templates inside it
    (templates must live inside the project they build)."""
    shutil.copytree(FIXTURES / name, dest, ignore=shutil.ignore_patterns("site", "build"))
    shutil.copytree(ROOT / "templates", dest / "templates")
    return dest


def views_of(project_dir: Path):
    """A project's pages as views (no files written), checked first: (project, pages)."""
    from reviewsite.build import view_context
    from reviewsite.check import check
    from reviewsite.config import find_project
    from reviewsite.siteindex import SiteIndex
    from reviewsite.views import build_views

    project = find_project(project_dir)
    content, problems = check(project)
    assert problems == [], problems
    return project, build_views(view_context(project, SiteIndex(content, project.settings)))


def render_view(project, page) -> str:
    """One page's Markdown, as the build writes it."""
    from reviewsite.engines import get_engine
    from reviewsite.render import render_pages

    return render_pages([page], project.templates, get_engine(project.settings.engine))[page.path]
