"""The project: its folder, the folders it writes, and its typed settings, read from `mkdocs.yml`.

`mkdocs.yml` arrives in pull requests, so nothing in it is trusted. Every folder it names is resolved
(symlinks followed) and judged here, once, before anything is read or written: output folders must lie
inside the project and must not be, hold or sit inside what curators own (`content/`, `templates/`,
`schemas/`, `.git`) or each other. Problems are values with `mkdocs.yml:LINE:COL`; the CLI prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import ConfigError, Problem
from .settings import Settings

CONFIG_NAME = "mkdocs.yml"
PROTECTED = ("content", "schemas", ".git")
"""Folders of the project that no output folder may be, hold or sit inside (besides the templates)."""


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
    theme_dir: Path | None
    """The theme's `custom_dir` (overrides), whose files the engine reads and copies into the site."""
    repo_url: str | None
    site_url: str | None
    site_name: str
    settings: Settings
    config: dict[str, Any]
    """The whole of mkdocs.yml as plain data (the engine modules read their own keys from it)."""

    @property
    def mkdocs_yml(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def edit_branch(self) -> str:
        return self.settings.branch

    def rel(self, path: Path) -> str:
        """`path` as the project-relative POSIX path people see in messages."""
        try:
            return path.relative_to(self.root).as_posix() or "."
        except ValueError:
            return path.as_posix()


class _Where:
    """Line and column of a key path in mkdocs.yml, from the composed node tree."""

    def __init__(self, node: yaml.Node | None):
        self.node = node

    def __call__(self, *path: str | int, key: bool = False) -> tuple[int, int]:
        node, mark = self.node, self.node.start_mark if self.node is not None else None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                found = next(((k, v) for k, v in node.value if k.value == part), None)
                if found is None:
                    break
                mark = found[0].start_mark if key and part == path[-1] else found[1].start_mark
                node = found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _read(path: Path) -> tuple[dict[str, Any], _Where]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError([Problem(CONFIG_NAME, 1, 1, "not UTF-8 text")]) from None
    try:
        node = yaml.compose(text, Loader=_TolerantSafeLoader)  # noqa: S506 - a SafeLoader subclass
        config = yaml.load(text, Loader=_TolerantSafeLoader) or {}  # noqa: S506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"YAML syntax error: {exc.problem or exc.context}"
        raise ConfigError([Problem(CONFIG_NAME, line, col, message)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(CONFIG_NAME, 1, 1, f"cannot read it: {exc}")]) from None
    if not isinstance(config, dict):
        raise ConfigError([Problem(CONFIG_NAME, 1, 1, "top level must be a mapping")])
    return config, _Where(node)


def _settings(config: dict[str, Any], where: _Where) -> tuple[Settings | None, list[Problem]]:
    extra = config.get("extra") or {}
    raw = extra.get("reviewsite") if isinstance(extra, dict) else None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        line, col = where("extra", "reviewsite")
        return None, [Problem(CONFIG_NAME, line, col, "extra.reviewsite must be a mapping of settings")]
    try:
        return Settings.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            dotted = ".".join(str(p) for p in ("extra", "reviewsite", *loc))
            if err["type"] == "extra_forbidden":
                line, col = where("extra", "reviewsite", *loc, key=True)
                known = _known_keys(loc[:-1])
                hint = f" (known keys: {', '.join(known)})" if known else ""
                problems.append(Problem(CONFIG_NAME, line, col, f"unknown setting {dotted!r}{hint}"))
                continue
            line, col = where("extra", "reviewsite", *loc)
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(Problem(CONFIG_NAME, line, col, f"{dotted}: {message}"))
        return None, problems


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names valid at `loc` of the settings (for "unknown setting" messages)."""
    model: Any = Settings
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        model = next((a for a in (annotation, *args) if hasattr(a, "model_fields")), None)
        if model is None:
            return []
    fields = getattr(model, "model_fields", {})
    return [(f.alias or name) for name, f in fields.items()]


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _output_dirs(root: Path, config: dict[str, Any], templates: Path,
                 where: _Where) -> tuple[Path, Path, list[Problem]]:
    """docs_dir and site_dir, resolved and judged: the one place either is accepted."""
    problems: list[Problem] = []
    protected = [root / name for name in PROTECTED] + [templates]
    resolved: dict[str, Path] = {}
    for key, default in (("docs_dir", "docs"), ("site_dir", "site")):
        raw = config.get(key, default)
        line, col = where(key)
        if not isinstance(raw, str) or not raw.strip():
            problems.append(Problem(CONFIG_NAME, line, col, f"{key} must be a folder name, e.g. {default!r}"))
            continue
        path = (root / raw).resolve()
        why = None
        if not _inside(path, root) or path == root:
            why = "must be a folder inside the project, not the project itself or outside it"
        else:
            for folder in (p.resolve() for p in protected):
                if _inside(path, folder) or _inside(folder, path):
                    why = f"must not be, hold or sit inside {project_rel(root, folder)}/ (curators' files live there)"
                    break
        if why:
            problems.append(Problem(CONFIG_NAME, line, col, f"{key}: {raw!r} {why}; use e.g. {default!r}"))
            continue
        resolved[key] = path
    if len(resolved) == 2:
        docs, site = resolved["docs_dir"], resolved["site_dir"]
        if _inside(docs, site) or _inside(site, docs):
            line, col = where("site_dir")
            problems.append(Problem(CONFIG_NAME, line, col, f"site_dir: {config.get('site_dir')!r} and docs_dir "
                                    f"{config.get('docs_dir')!r} must be separate folders, neither inside the other"))
    return resolved.get("docs_dir", root), resolved.get("site_dir", root), problems


def project_rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _templates(root: Path, settings: Settings, where: _Where) -> tuple[Path, list[Problem]]:
    path = (root / settings.templates).resolve()
    if _inside(path, root) and path != root:
        return path, []
    line, col = where("extra", "reviewsite", "templates")
    return path, [Problem(CONFIG_NAME, line, col, f"extra.reviewsite.templates: {settings.templates!r} must be a "
                          "folder inside the project")]


def _theme_dir(root: Path, config: dict[str, Any], where: _Where) -> tuple[Path | None, list[Problem]]:
    """`theme.custom_dir`: the engine copies its files into the site, so it must lie inside the project."""
    theme = config.get("theme")
    raw = theme.get("custom_dir") if isinstance(theme, dict) else None
    if raw is None:
        return None, []
    path = (root / str(raw)).resolve()
    if _inside(path, root) and path != root and not _inside(path, (root / ".git").resolve()):
        return path, []
    line, col = where("theme", "custom_dir")
    return None, [Problem(CONFIG_NAME, line, col, f"theme.custom_dir: {raw!r} must be a folder inside the project "
                          "(the engine publishes what it holds); use e.g. 'templates/overrides'")]


def find_project(start: Path) -> Project:
    """The project is the folder holding `mkdocs.yml`, as for `mkdocs` itself. Raises ConfigError."""
    root = start.resolve()
    config_path = root / CONFIG_NAME
    if not config_path.is_file():
        raise ConfigError([Problem(CONFIG_NAME, 1, 1, f"no {CONFIG_NAME} in {root}: run reviewsite from the "
                                   "project folder, or start one with `reviewsite init`")])
    config, where = _read(config_path)
    settings, problems = _settings(config, where)
    if settings is None:
        raise ConfigError(problems)
    templates, found = _templates(root, settings, where)
    problems += found
    theme_dir, found = _theme_dir(root, config, where)
    problems += found
    docs_dir, site_dir, found = _output_dirs(root, config, templates, where)
    problems += found
    if problems:
        raise ConfigError(problems)
    repo_url = config.get("repo_url")
    site_url = config.get("site_url")
    return Project(
        root=root,
        docs_dir=docs_dir,
        site_dir=site_dir,
        templates=templates,
        theme_dir=theme_dir,
        repo_url=str(repo_url).rstrip("/") if repo_url else None,
        site_url=str(site_url) if site_url else None,
        site_name=str(config.get("site_name") or ""),
        settings=settings,
        config=config,
    )
