"""Integrity of the papers the site relies on: retractions, expressions of concern, errata, by file.

A medical summary that keeps citing a retracted paper does harm. PubMed links each record to the
notices about it (`record.corrections`, written by fetch) and marks retracted papers by publication
type; this module turns those signals into one warning per flagged paper that the site cites, naming
the files that cite it. Pure functions over loaded `Content`; `reviewsite check` prints the warnings,
and `--strict-integrity` fails on the serious ones (retracted, expression of concern). Errata and
corrected republications stay warnings: a corrected paper may still be cited, after a look.
"""

from __future__ import annotations

from dataclasses import dataclass

from .check import prose_fields
from .cite import CiteIndex, find_citations
from .errors import Problem
from .load import Content
from .model import Record

RETRACTED_TYPE = "Retracted Publication"
_KINDS = {  # RefType on the flagged paper -> (kind, severity); the reverse links (…Of, …For) are notices
    "RetractionIn": ("retracted", 3),
    "RetractedandRepublishedIn": ("retracted", 3),
    "ExpressionOfConcernIn": ("concern", 2),
    "ErratumIn": ("erratum", 1),
    "CorrectedandRepublishedIn": ("republished", 1),
}
SERIOUS = frozenset({"retracted", "concern"})
"""Kinds that make `--strict-integrity` fail: the paper should not be relied on as it stands."""


@dataclass(frozen=True)
class Flag:
    """One signal on a record: its kind, the notice (PMID and/or citation), where it sits in the record."""

    kind: str
    severity: int
    notice: str | None
    source: str | None
    loc: tuple[str | int, ...]

    def describe(self) -> str:
        ref = f"PMID {self.notice}" if self.notice else (self.source or "")
        if self.kind == "retracted":
            return f"retracted ({ref})" if ref else f"retracted (PubMed lists it as a {RETRACTED_TYPE})"
        if self.kind == "concern":
            return f"expression of concern ({ref}): read it before relying on this paper"
        if self.kind == "republished":
            return f"corrected and republished ({ref}): cite the corrected version"
        return f"erratum ({ref}): check the cited details against the correction"


def flags(record: Record) -> list[Flag]:
    """The record's signals, most serious first (PubMed's order within a kind); [] for a clean record."""
    out: list[Flag] = []
    for i, correction in enumerate(record.corrections):
        if correction.type in _KINDS:
            kind, severity = _KINDS[correction.type]
            out.append(Flag(kind, severity, correction.pmid, correction.source, ("record", "corrections", i)))
    if RETRACTED_TYPE in record.publication_types and not any(f.kind == "retracted" for f in out):
        i = record.publication_types.index(RETRACTED_TYPE)
        out.append(Flag("retracted", 3, None, None, ("record", "publication_types", i)))
    return sorted(out, key=lambda f: -f.severity)


def describe(found: list[Flag]) -> str:
    """'retracted (PMID N)', then the others as 'also …' (one line per paper)."""
    parts = [found[0].describe()] + [f"also {f.describe()}" for f in found[1:]]
    return "; ".join(parts)


def cited_by(content: Content) -> dict[str, list[str]]:
    """Paper key (file stem) -> the files that cite it: `cites:` lists of evidence and trials, and
    `[@…]` in prose (summaries, sections, findings, the review's key points and overview, a paper's
    curated summary). Curators' notes are left out: they are never shown."""
    index = CiteIndex(content.papers)
    found: dict[str, set[str]] = {}

    def add(path: str, key: str) -> None:
        stem = index.resolve(key)
        if stem is not None and path != f"content/papers/{stem}.yaml":
            found.setdefault(stem, set()).add(path)

    for kind in ("mechanism", "strategy", "overview"):
        for slug, item in content.items(kind).items():
            path = content.source(kind, slug).path
            for ev in item.evidence:
                for key in ev.cites:
                    add(path, key)
            for trial in getattr(item, "trials", []):
                for key in trial.cites:
                    add(path, key)
    for source, loc, text in prose_fields(content):
        if loc == ("curation", "notes"):
            continue
        for group in find_citations(text):
            for key in group.keys:
                add(source.path, key)
    return {stem: sorted(paths) for stem, paths in found.items()}


def integrity_warnings(content: Content, *, serious_only: bool = False) -> list[Problem]:
    """One warning per flagged paper the site cites (and for a flagged review), at the notice's line:
    `content/papers/X.yaml:LINE:COL: retracted (PMID N); cited by content/mechanisms/Y.yaml`."""
    citing = cited_by(content)
    out: list[Problem] = []
    for stem, paper in content.papers.items():
        found = flags(paper.record)
        if serious_only:
            found = [f for f in found if f.kind in SERIOUS]
        if not found or stem not in citing:
            continue
        source = content.source("paper", stem)
        out.append(source.problem(found[0].loc, f"{describe(found)}; cited by {', '.join(citing[stem])}"))
    if content.review is not None:
        found = [f for f in flags(content.review.record) if f.kind in SERIOUS or not serious_only]
        if found:
            source = content.source("review", "review")
            out.append(source.problem(found[0].loc, f"{describe(found)}; this is the review the site summarises"))
    return sorted(out)
