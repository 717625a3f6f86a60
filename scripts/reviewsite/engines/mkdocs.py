"""MkDocs 1.6 with Material, and ProperDocs (its maintained fork, same flags and byte-identical pages).

Both read a generated config (`.reviewsite-mkdocs.yml`, gitignored) that inherits mkdocs.yml and leaves
out the search plugin: site search is Pagefind's (search.py), and Material's would make every page view
download the whole index.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from ..config import Project
from ..files import atomic_write
from .base import Engine, plugins_without_search

CONFIG = ".reviewsite-mkdocs.yml"
SERVE_CONFIG = ".reviewsite-mkdocs-serve.yml"
"""`reviewsite serve`'s config (gitignored): the build's, plus the serve hook."""
SERVE_HOOK = Path(__file__).with_name("mkdocs_serve_hook.py")


class MkDocs(Engine):
    name = "mkdocs"
    module = "mkdocs"
    sitemaps = ("sitemap.xml", "sitemap.xml.gz")

    def config_file(self, project: Project) -> Path:
        """mkdocs.yml by inheritance (MkDocs' INHERIT: paths still resolve from the project), search off."""
        config = {"INHERIT": project.mkdocs_yml.name,
                  "plugins": plugins_without_search(project.config.get("plugins", ["search"]))}
        path = project.root / CONFIG
        atomic_write(path, yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode("utf-8"), durable=False)
        return path

    def build_args(self, project: Project, staging: Path) -> list[str]:
        # No --quiet: it raises the log level above WARNING, so --strict counts nothing and a broken link
        # passes (MkDocs issue 4126, also in ProperDocs).
        return [sys.executable, "-m", self.module, "build", "--strict", "--config-file",
                str(self.config_file(project)), "--site-dir", str(staging)]

    def serve_config_file(self, project: Project) -> Path:
        """The build's generated config plus our serve hook (mkdocs_serve_hook.py: changed files are noticed at
        once, not by polling every 0.5 s), after any hooks mkdocs.yml names."""
        theirs = project.config.get("hooks")
        hooks: list[Any] = list(theirs) if isinstance(theirs, list) else []
        config = {"INHERIT": self.config_file(project).name, "hooks": [*hooks, str(SERVE_HOOK)]}
        path = project.root / SERVE_CONFIG
        atomic_write(path, yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode("utf-8"), durable=False)
        return path

    def serve_args(self, project: Project, dev_addr: str) -> list[str]:
        # --dirty: after the first build, rebuild only the pages whose Markdown changed (reviewsite serve writes
        # exactly the pages an edit changed), about 2 s instead of a whole build at 10,000 papers. A dirty
        # build warns that it is dirty, so strict mode (mkdocs.yml) would abort it: the preview is not strict.
        return [sys.executable, "-m", self.module, "serve", "--config-file", str(self.serve_config_file(project)),
                "--dev-addr", dev_addr, "--livereload", "--watch", str(project.mkdocs_yml), "--dirty", "--no-strict"]


class ProperDocs(MkDocs):
    name = "properdocs"
    module = "properdocs"
