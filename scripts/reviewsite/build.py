"""The build pipeline: check -> pages -> generated docs folder -> the engine, into a staging folder
that replaces `site_dir` only when the engine succeeded."""

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
from .files import publish_dir, staging_dir, symlink_problems, write_tree
from .pages import SiteBuilder
from .render import copy_assets, render_pages


@dataclass
class Generated:
    problems: list[Problem]
    written: int = 0
    removed: int = 0
    pages: int = 0


def template_problems(project: Project) -> list[Problem]:
    """Templates and theme overrides are read and published as they are: no symlinks among them."""
    return symlink_problems(project.root, project.templates)


def generate(project: Project) -> Generated:
    """Check the content and, if it is valid, write the generated docs folder. Never raises on content.

    Raises files.UnsafeOutput (before writing anything) if the docs folder holds files we did not write.
    """
    content, problems = check(project)
    problems += template_problems(project)
    if problems or content.review is None:
        return Generated(sorted(set(problems)))
    builder = SiteBuilder(content, project.settings, repo_url=project.repo_url, edit_branch=project.edit_branch)
    pages = builder.build()
    count = len(pages)
    files = {path: text.encode("utf-8") for path, text in render_pages(pages, project.templates).items()}
    del pages  # the views are rendered: free them before the exports are made (~100 MB at 10,000 papers)
    files.update(copy_assets(project.templates))
    files.update(export_files(builder))
    files[FEED_PATH] = atom_feed(builder)
    written, removed = write_tree(files, project.docs_dir, project.rel(project.docs_dir))
    return Generated([], written, removed, count)


def engine_env() -> dict[str, str]:
    """Environment for the engine: reproducible dates, no upgrade banners, UTC."""
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", "315532800")
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["TZ"] = "UTC"
    env["PYTHONHASHSEED"] = env.get("PYTHONHASHSEED", "0")
    return env


def run_engine_build(project: Project) -> int:
    """Build the site with the engine into a staging folder, then put it in place of `site_dir`.

    No `--quiet`: with it MkDocs stops counting warnings and `--strict` passes a broken link (MkDocs
    issue 4126). The engine's own messages go to stderr as it prints them.
    """
    staging = staging_dir(project.site_dir)
    args = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(project.mkdocs_yml),
            "--site-dir", str(staging)]
    code = subprocess.call(args, cwd=project.root, env=engine_env(), stdout=sys.stderr)
    if code != 0:
        return code
    publish_dir(staging, project.site_dir, project.rel(project.site_dir))
    return 0
