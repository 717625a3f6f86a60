"""Project settings, read from the `mkdocs.yml` of the project (without importing MkDocs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ReviewsiteError


class _TolerantSafeLoader(yaml.SafeLoader):
    """Safe loader that reads MkDocs' `!ENV`/`!relative` tags as plain values instead of failing."""


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return None


_TolerantSafeLoader.add_multi_constructor("!", _tagged)
_TolerantSafeLoader.add_multi_constructor("tag:yaml.org,2002:python/", _tagged)


@dataclass(frozen=True)
class Project:
    root: Path
    docs_dir: Path
    site_dir: Path
    templates: Path
    repo_url: str | None
    edit_branch: str
    settings: dict[str, Any]

    @property
    def mkdocs_yml(self) -> Path:
        return self.root / "mkdocs.yml"


def find_project(start: Path) -> Project:
    """The project is the folder holding `mkdocs.yml`, as for `mkdocs` itself."""
    config_path = start / "mkdocs.yml"
    if not config_path.is_file():
        raise ReviewsiteError(f"no mkdocs.yml in {start}: run reviewsite from the project folder")
    try:
        config = yaml.load(config_path.read_text(encoding="utf-8"), Loader=_TolerantSafeLoader) or {}  # noqa: S506
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ReviewsiteError(f"mkdocs.yml: cannot read it: {exc}") from None
    if not isinstance(config, dict):
        raise ReviewsiteError("mkdocs.yml: top level must be a mapping")
    extra = config.get("extra") or {}
    settings = extra.get("reviewsite") or {} if isinstance(extra, dict) else {}
    if not isinstance(settings, dict):
        raise ReviewsiteError("mkdocs.yml: extra.reviewsite must be a mapping")
    repo_url = config.get("repo_url")
    return Project(
        root=start,
        docs_dir=start / str(config.get("docs_dir", "docs")),
        site_dir=start / str(config.get("site_dir", "site")),
        templates=start / str(settings.get("templates", "templates")),
        repo_url=str(repo_url).rstrip("/") if repo_url else None,
        edit_branch=str(settings.get("branch", "main")),
        settings=settings,
    )
