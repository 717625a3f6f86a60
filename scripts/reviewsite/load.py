"""Load `content/` into validated models, collecting every problem with its path and line."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem
from .files import symlink_problems
from .model import PMID_RE, SLUG_RE, Mechanism, Overview, Paper, Review, Strategy
from .safeyaml import Located, YamlError, loads

FOLDERS: tuple[tuple[str, str, type[BaseModel]], ...] = (
    ("mechanism", "mechanisms", Mechanism),
    ("strategy", "strategies", Strategy),
    ("overview", "overviews", Overview),
    ("paper", "papers", Paper),
)
"""Content kind, its folder under content/, its model."""

RESERVED = frozenset({"index"})
"""File names that would replace a section's own page (`mechanisms/index.md`)."""


def is_editor_backup(name: str) -> bool:
    """Files editors leave beside the one being edited (`x.yaml~`, `#x.yaml#`, `.x.yaml.swp`, `.#x.yaml`)."""
    return name.startswith((".", "#")) or name.endswith(("~", "#", ".swp", ".swo", ".swx", ".bak", ".orig"))


@dataclass
class Source:
    """Where a model came from: its path relative to the project and its node tree."""

    path: str
    located: Located

    def problem(self, loc: tuple[str | int, ...], message: str, *, key: bool = False) -> Problem:
        line, col = self.located.find(loc, key=key)
        return Problem(self.path, line, col, message)


@dataclass
class Content:
    """Everything under `content/`, validated; keyed by slug (mechanisms, strategies) or file stem (papers)."""

    review: Review | None = None
    mechanisms: dict[str, Mechanism] = field(default_factory=dict)
    strategies: dict[str, Strategy] = field(default_factory=dict)
    overviews: dict[str, Overview] = field(default_factory=dict)
    papers: dict[str, Paper] = field(default_factory=dict)
    sources: dict[tuple[str, str], Source] = field(default_factory=dict)
    broken: set[tuple[str, str]] = field(default_factory=set)
    """Files that exist but failed validation: their own errors are reported, not "unknown X" elsewhere."""

    def exists(self, kind: str, key: str) -> bool:
        return key in self.items(kind) or (kind, key) in self.broken

    def items(self, kind: str) -> dict[str, Any]:
        """The validated items of one kind (`mechanism`, `strategy`, `overview`, `paper`)."""
        items: dict[str, dict[str, Any]] = {"mechanism": self.mechanisms, "strategy": self.strategies,
                                            "overview": self.overviews, "paper": self.papers}
        return items[kind]

    def source(self, kind: str, key: str) -> Source:
        return self.sources[(kind, key)]


def _loc_text(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) if loc else "(top level)"


def _pydantic_problems(source: Source, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        message = str(err["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            problems.append(source.problem(loc, f"unknown field {loc[-1]!r}", key=True))
            continue
        if kind == "missing":
            parent = loc[:-1]
            problems.append(source.problem(parent, f"{_loc_text(loc)}: required field is missing"))
            continue
        if err.get("input") is None and kind in ("string_type", "list_type", "dict_type", "model_type"):
            # `summary:` with nothing after it: say so, not "Input should be a valid string".
            what = {"list_type": "a list (write [] for none)", "dict_type": "a mapping",
                    "model_type": "a mapping"}.get(kind, "text")
            problems.append(source.problem(loc, f"{_loc_text(loc)} is empty: it needs {what}"))
            continue
        if kind == "literal_error":
            value = err.get("input")
            message = f"{message} (got {value!r})"
        problems.append(source.problem(loc, f"{_loc_text(loc)}: {message}"))
    return problems


Loaded = tuple[BaseModel | None, Source | None, list[Problem]]
"""What reading one file gives: its model (None if invalid), where it came from, its problems."""
Reader = Callable[[Path, str, type[BaseModel]], Loaded]
"""Reads one content file (`read_model`, or a cache in front of it: contentstore.ContentStore)."""


def read_model(path: Path, rel: str, model: type[BaseModel]) -> Loaded:
    """One file into one model; problems instead of exceptions."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, None, [Problem(rel, 1, 1, f"cannot read file: {exc.strerror}")]
    return parse_model(raw, rel, model)


def parse_model(raw: bytes, rel: str, model: type[BaseModel]) -> Loaded:
    """One file's bytes into one model; problems instead of exceptions."""
    try:
        located = loads(raw, keep_node=False)  # only a file with a problem needs its tree, rebuilt then
    except YamlError as exc:
        return None, None, [Problem(rel, exc.line, exc.col, exc.message)]
    source = Source(rel, located)
    try:
        obj = model.model_validate(located.data)
    except ValidationError as exc:
        return None, source, _pydantic_problems(source, exc)
    located.data = None  # the model holds the values now (the raw copies were ~60 MB at 10,000 papers)
    return obj, source, []


def content_files(folder: Path) -> list[Path]:
    """Content files of one folder, editors' backup and lock files left out."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    with os.scandir(folder) as entries:  # no stat per file: a large literature is read on every preview edit
        names = sorted(e.name for e in entries if not is_editor_backup(e.name) and not e.is_symlink())
    return [folder / name for name in names]


def load_content(root: Path, reader: Reader = read_model) -> tuple[Content, list[Problem]]:
    """Read every content file under `root/content`; returns what validated and every problem found."""
    content = Content()
    base = root / "content"
    # A committed symlink could pull any file of the builder's machine into the site: refuse them all.
    problems: list[Problem] = symlink_problems(root, base)
    if base.is_symlink():
        return content, problems

    def rel(path: Path) -> str:
        return path.relative_to(root).as_posix()

    review_path = base / "review.yaml"
    if review_path.is_symlink():
        pass  # reported above; never followed
    elif review_path.is_file():
        review, source, found = reader(review_path, rel(review_path), Review)
        problems += found
        if review is not None and source is not None:
            content.review = review  # type: ignore[assignment]
            content.sources[("review", "review")] = source
    else:
        problems.append(Problem("content/review.yaml", 1, 1, "missing: every site needs content/review.yaml"))

    for kind, folder, model in FOLDERS:
        target = content.items(kind)
        for path in content_files(base / folder):
            if path.is_dir():
                problems.append(Problem(rel(path), 1, 1, f"folders are not read inside content/{folder}/: move "
                                        "its files up, or out of content/"))
                continue
            if path.suffix != ".yaml":
                problems.append(Problem(rel(path), 1, 1, "content files must end in .yaml"))
                continue
            stem = path.stem
            if stem in RESERVED:
                problems.append(Problem(rel(path), 1, 1, f"{stem!r} is reserved for the section's own page: "
                                        "choose another file name"))
                continue
            if not (SLUG_RE.match(stem) or (kind == "paper" and PMID_RE.match(stem))):
                problems.append(Problem(rel(path), 1, 1, f"file name {stem!r} must be a slug (lowercase-words)"))
                continue
            obj, source, found = reader(path, rel(path), model)
            problems += found
            if obj is None or source is None:
                content.broken.add((kind, stem))
                continue
            if kind == "paper":
                problems += _check_paper_name(stem, obj, source)  # type: ignore[arg-type]
            target[stem] = obj
            content.sources[(kind, stem)] = source
    return content, problems


def _check_paper_name(stem: str, paper: Paper, source: Source) -> list[Problem]:
    pmid = paper.record.pmid
    if PMID_RE.match(stem) and pmid != stem:
        return [source.problem(("record", "pmid"), f"file is named {stem}.yaml but record.pmid is {pmid!r}")]
    if not PMID_RE.match(stem) and pmid is not None:
        return [source.problem(("record", "pmid"), f"a paper with a PMID must live in content/papers/{pmid}.yaml")]
    return []
