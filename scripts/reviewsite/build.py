"""The build pipeline: check -> site index -> views -> Markdown -> generated docs folder (incremental.py,
which writes only what changed) -> engine into a staging folder, which replaces `site_dir` only when the
engine succeeded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from . import authorindex, search
from .config import Project
from .engines import Engine, get_engine
from .errors import Problem
from .export import Pieces, export_items
from .feed import FEED_PATH, atom_feed
from .files import publish_dir, staging_dir, symlink_problems
from .render import copy_assets
from .siteindex import SiteIndex
from .urls import Linker, site_base
from .views import ViewContext, literature


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


def data_files(project: Project, ctx: ViewContext,
               pieces: Pieces | None = None) -> Iterator[tuple[str, bytes | Iterator[str]]]:
    """Every file of the generated docs folder that is not a page, one at a time: its path and its bytes, or
    its text in chunks (export.Chunks): assets, exports, the explorer's rows and the feed. `pieces` keeps
    per-paper parts of the exports between runs."""
    yield from copy_assets(project.templates).items()
    yield from export_items(ctx.index, pieces)
    yield from literature.data_files(ctx).items()
    yield from authorindex.shards(ctx.index)
    yield FEED_PATH, atom_feed(ctx.index)


def generate(project: Project, engine: Engine | None = None, *, cache: bool = False, workers: int = 1) -> Generated:
    """Check the content and, if it is valid, write the generated docs folder. Never raises on content.

    `cache`: read and keep validated content, and the paper pages and export pieces made from it, in the
    project's build cache (contentstore.py, outputcache.py), so a build after a small change parses,
    validates and renders only what changed. `workers`: processes for the
    paper pages (forked.py; only from a single-threaded caller).
    Raises files.UnsafeOutput (before writing anything) if the docs folder holds files we did not write.
    """
    from .contentstore import ContentStore
    from .incremental import SiteGenerator
    from .outputcache import OutputCache

    engine = engine or get_engine(project.settings.engine)
    store = ContentStore.from_cache(project.root) if cache else ContentStore()
    if workers > 1:
        store.prime(project.root)
    output = OutputCache.open(project.root) if cache else None
    run = SiteGenerator(project, engine, store=store, workers=workers, once=True, output=output).run()
    if cache and not run.problems and store.parsed:  # nothing parsed: every model came from the cache already
        store.save(project.root)
    if output is not None and not run.problems:
        output.save(project.root)
    return Generated(run.problems, run.written, run.removed, run.pages)


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
