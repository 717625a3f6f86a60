"""The build pipeline: check -> pages -> generated docs folder -> `mkdocs build --strict`."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from .check import check
from .config import Project
from .errors import Problem
from .export import export_files
from .feed import FEED_PATH, atom_feed
from .pages import SiteBuilder
from .render import copy_assets, render_pages, write_tree


@dataclass
class Generated:
    problems: list[Problem]
    written: int = 0
    removed: int = 0
    pages: int = 0


def generate(project: Project) -> Generated:
    """Check the content and, if it is valid, write the generated docs folder. Never raises on content."""
    content, problems = check(project.root)
    if problems or content.review is None:
        return Generated(problems)
    builder = SiteBuilder(content, repo_url=project.repo_url)
    pages = builder.build()
    count = len(pages)
    files = {path: text.encode("utf-8") for path, text in render_pages(pages, project.templates).items()}
    del pages  # the views are rendered: free them before the exports are made (~100 MB at 10,000 papers)
    files.update(copy_assets(project.templates))
    files.update(export_files(builder))
    files[FEED_PATH] = atom_feed(builder)
    written, removed = write_tree(files, project.docs_dir)
    return Generated([], written, removed, count)


def engine_env() -> dict[str, str]:
    """Environment for the engine: reproducible dates, no upgrade banners, UTC."""
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", "315532800")
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["TZ"] = "UTC"
    env["PYTHONHASHSEED"] = env.get("PYTHONHASHSEED", "0")
    return env


def run_engine(project: Project, command: str, *extra: str) -> int:
    """Run MkDocs as a separate program: our package never imports it, so the engine stays swappable."""
    args = [sys.executable, "-m", "mkdocs", command, "--config-file", str(project.mkdocs_yml), *extra]
    return subprocess.call(args, cwd=project.root, env=engine_env())
