"""MkDocs 1.6 with Material, and ProperDocs (its maintained fork, same flags and byte-identical pages)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import Project
from .base import Engine


class MkDocs(Engine):
    name = "mkdocs"
    module = "mkdocs"
    search_index = "search/search_index.json"
    search_index_key = "docs"
    sitemaps = ("sitemap.xml", "sitemap.xml.gz")

    def build_args(self, project: Project, staging: Path) -> list[str]:
        # No --quiet: it raises the log level above WARNING, so --strict counts nothing and a broken link
        # passes (MkDocs issue 4126, also in ProperDocs).
        return [sys.executable, "-m", self.module, "build", "--strict", "--config-file", str(project.mkdocs_yml),
                "--site-dir", str(staging)]

    def serve_args(self, project: Project, dev_addr: str) -> list[str]:
        return [sys.executable, "-m", self.module, "serve", "--config-file", str(project.mkdocs_yml),
                "--dev-addr", dev_addr, "--livereload"]


class ProperDocs(MkDocs):
    name = "properdocs"
    module = "properdocs"
