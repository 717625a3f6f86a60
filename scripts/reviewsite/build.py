"""The build pipeline, gathering everything before writing anything (as MkDocs' build does):
check -> site index -> views -> Markdown -> generated docs folder -> engine into a staging folder,
which replaces `site_dir` only when the engine succeeded."""

from __future__ import annotations

from dataclasses import dataclass

from . import search
from .check import check
from .config import Project
from .engines import Engine, get_engine
from .errors import Problem
from .export import export_files
from .feed import FEED_PATH, atom_feed
from .files import publish_dir, staging_dir, symlink_problems, write_tree
from .render import copy_assets, render_pages
from .siteindex import SiteIndex
from .urls import Linker, site_base
from .views import ViewContext, build_views, literature


@dataclass
class Generated:
    problems: list[Problem]
    written: int = 0
    removed: int = 0
    pages: int = 0


def template_problems(project: Project) -> list[Problem]:
    """Templates and theme overrides are read and published as they are: no symlinks among them."""
    problems = symlink_problems(project.root, project.templates)
    theme = project.theme_dir
    if theme is not None and not theme.is_relative_to(project.templates):
        problems += symlink_problems(project.root, theme)
    return problems


def view_context(project: Project, index: SiteIndex) -> ViewContext:
    """Links are paths from the site's root under site_url: the one form every engine leaves alone."""
    return ViewContext(index, Linker(site_base(project.site_url)), repo_url=project.repo_url,
                       edit_branch=project.edit_branch)


def generate_files(project: Project, index: SiteIndex, engine: Engine) -> tuple[dict[str, bytes], int]:
    """Every file of the generated docs folder, and how many of them are pages."""
    ctx = view_context(project, index)
    pages = build_views(ctx)
    files = {path: text.encode("utf-8") for path, text in render_pages(pages, project.templates, engine).items()}
    count = len(pages)
    del pages  # rendered: free the views before the exports are made (~100 MB at 10,000 papers)
    files.update(copy_assets(project.templates))
    files.update(export_files(index))
    files.update(literature.data_files(ctx))
    files[FEED_PATH] = atom_feed(index)
    return files, count


def generate(project: Project, engine: Engine | None = None) -> Generated:
    """Check the content and, if it is valid, write the generated docs folder. Never raises on content.

    Raises files.UnsafeOutput (before writing anything) if the docs folder holds files we did not write.
    """
    engine = engine or get_engine(project.settings.engine)
    content, problems = check(project)
    problems += template_problems(project)
    if problems or content.review is None:
        return Generated(sorted(set(problems)))
    files, count = generate_files(project, SiteIndex(content, project.settings), engine)
    written, removed = write_tree(files, project.docs_dir, project.rel(project.docs_dir))
    return Generated([], written, removed, count)


def run_engine_build(project: Project, engine: Engine) -> int:
    """Build the site with the engine into a staging folder, index it for search, then put it in place of
    `site_dir`."""
    staging = staging_dir(project.site_dir)
    code = engine.build(project, staging)
    if code != 0:
        return code
    code = search.index_site(staging, engine)
    if code != 0:
        return code
    publish_dir(staging, project.site_dir, project.rel(project.site_dir))
    return 0
