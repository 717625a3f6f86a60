"""Zensical (Material's successor): reads mkdocs.yml, but takes its output folder only from a config file,
ignores `search.boost`, has its search on unless told otherwise (we turn it off: site search is Pagefind's),
and runs template overrides in minijinja (plain Jinja only).

Pinned to 0.0.73: later releases need a `zensical-ui` package the package index here does not offer.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from ..config import Project
from ..files import atomic_write
from .base import Engine, plugins_without_search

CONFIG = ".reviewsite-zensical.yml"
"""The generated config Zensical reads (gitignored): mkdocs.yml with the output folder set by us."""
PREVIEW = ".reviewsite-preview"


class Zensical(Engine):
    name = "zensical"
    module = "zensical"
    theme_package = "zensical"
    own_search_files = ("search.json",)  # written (empty) even with its search plugin disabled

    def front_matter(self, meta: dict[str, Any], search_boost: float | None) -> dict[str, Any]:
        return dict(meta)  # `search: boost` is ignored by Zensical; leave it out rather than pretend

    def _config(self, project: Project, site_dir: Path) -> Path:
        """Zensical has no --site-dir and wants site_dir inside the config's folder: write a config there."""
        config = dict(project.config)
        config["site_dir"] = site_dir.relative_to(project.root).as_posix()
        config["docs_dir"] = project.docs_dir.relative_to(project.root).as_posix()
        # Zensical's search is on unless disabled: site search is Pagefind's (search.py).
        config["plugins"] = [*plugins_without_search(config.get("plugins")), {"search": {"enabled": False}}]
        path = project.root / CONFIG
        atomic_write(path, yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode("utf-8"), durable=False)
        return path

    def build_args(self, project: Project, staging: Path) -> list[str]:
        return [sys.executable, "-m", self.module, "build", "--clean", "--strict", "--config-file",
                str(self._config(project, staging))]

    def serve_args(self, project: Project, dev_addr: str) -> list[str]:
        # `zensical serve` builds into the config's site_dir (not a temporary folder): never site/ itself.
        return [sys.executable, "-m", self.module, "serve", "--config-file",
                str(self._config(project, project.root / PREVIEW)), "--dev-addr", dev_addr]
