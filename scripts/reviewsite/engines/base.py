"""What every engine module provides; the pipeline only talks to this."""

from __future__ import annotations

import os
import subprocess
import sys
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from ..config import Project


def engine_env() -> dict[str, str]:
    """Environment for an engine: reproducible dates, no upgrade banners, UTC."""
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", "315532800")
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["TZ"] = "UTC"
    env["PYTHONHASHSEED"] = env.get("PYTHONHASHSEED", "0")
    return env


SEARCH_PLUGINS = ("search", "material/search")


def plugins_without_search(plugins: Any) -> list[Any]:
    """mkdocs.yml's `plugins` (a list, or a mapping of name to options) without the engine's search plugin.

    Without a `plugins` key MkDocs enables search; an empty list enables nothing."""
    if isinstance(plugins, dict):
        return [{name: options} for name, options in plugins.items() if name not in SEARCH_PLUGINS]
    if not isinstance(plugins, list):
        return []
    out = []
    for entry in plugins:
        name = next(iter(entry), None) if isinstance(entry, dict) else entry
        if name not in SEARCH_PLUGINS:
            out.append(entry)
    return out


class Engine(ABC):
    name: str
    module: str
    search_root: str = "article.md-content__inner"
    """The element of a page that site search (Pagefind, see search.py) indexes: the theme's article, without
    header, navigation or footer. The engine's own search is off: each engine module turns it off."""
    search_exclude: tuple[str, ...] = (".headerlink",)
    """What search never indexes inside it: the theme's heading permalinks (a "¶" in every title)."""
    own_search_files: tuple[str, ...] = ()
    """Files the engine writes for its own search even when it is off; removed after the build."""
    theme_package: str = "material"
    """The Python package whose templates hold the theme's own inline scripts (the invariants allow those)."""
    sitemaps: tuple[str, ...] = ("sitemap.xml",)

    def front_matter(self, meta: dict[str, Any], search_boost: float | None) -> dict[str, Any]:
        """Front matter for one page from engine-neutral meta (title, description, source, citation)."""
        out = dict(meta)
        if search_boost is not None:
            out["search"] = {"boost": search_boost}
        return out

    @abstractmethod
    def build_args(self, project: Project, staging: Path) -> list[str]:
        """Command line that builds the site into `staging` (strict: a warning fails the build)."""

    @abstractmethod
    def serve_args(self, project: Project, dev_addr: str) -> list[str]:
        """Command line of the engine's live-reloading preview server."""

    def build(self, project: Project, staging: Path) -> int:
        """Run the build; the engine's messages go to stderr as it prints them."""
        return subprocess.call(self.build_args(project, staging), cwd=project.root, env=engine_env(),
                               stdout=sys.stderr)

    def serve(self, project: Project, dev_addr: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.serve_args(project, dev_addr), cwd=project.root, env=engine_env())

