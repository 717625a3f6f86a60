"""The fetch report: what one run did, as JSON, for the weekly workflow's pull request and status.

Written when REVIEWSITE_FETCH_REPORT names a file (the workflow sets it), whether the run succeeded
or not, so that what was fetched can still be proposed while every failure is listed and counted.
Only identifiers, counts, file paths and messages go in: never the API key (messages are redacted
before they become failures) and nothing a reader of the pull request could mistake for content.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..files import atomic_write

VERSION = 1
OUTCOMES = ("created", "updated", "unchanged", "not_refreshed", "not_created")
"""One per paper: file created; file changed; record fetched and nothing new; file kept as it was
because its record could not be fetched (relations may still have grown); no file for a new PMID
because its record could not be fetched."""


@dataclass
class Failure:
    """One problem of a fetch, as a value: where it happened (file, PMID, request) and what went wrong.

    `kind` lets the pull request sort them: `missing` (PubMed returned no record for the PMID),
    `rejected` (a record we could not use), `request` (a request failed), `links`, `file`."""

    where: str
    message: str
    pmid: str | None = None
    kind: str = "request"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class FetchReport:
    command: str
    date: str
    target: str | None = None
    links: dict[str, int] | None = None  # None: the links could not be fetched this run
    relations: dict[str, list[str]] = field(default_factory=dict)  # PMID -> relations PubMed gave this run
    papers: dict[str, list[str]] = field(default_factory=lambda: {o: [] for o in OUTCOMES})  # outcome -> PMIDs/stems
    failures: list[Failure] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # PMID -> what was stripped from its text
    keywords: dict[str, list[str]] = field(default_factory=dict)  # PMID -> author keywords (new papers)
    requests: int = 0
    cache_hits: int = 0
    dry_run: bool = False

    def to_json(self) -> str:
        return json.dumps({"version": VERSION, **asdict(self)}, indent=1, ensure_ascii=False, sort_keys=True) + "\n"

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, self.to_json().encode("utf-8"), durable=False)


def load_report(path: Path) -> FetchReport:
    """A report written by `write`; ValueError when the file is not one."""
    data: Any = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError(f"{path}: not a fetch report of version {VERSION}")
    data.pop("version")
    data["failures"] = [Failure(**f) for f in data.get("failures", [])]
    return FetchReport(**data)
