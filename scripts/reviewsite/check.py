"""Cross-reference checks over loaded content: every link and citation resolves, nothing is duplicated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .cite import CiteIndex, find_citations
from .errors import Problem
from .load import Content, Source, load_content


def prose_fields(content: Content) -> Iterator[tuple[Source, tuple[str | int, ...], str]]:
    """Every Markdown field in the content, with where it lives."""
    if content.review is not None:
        src = content.source("review", "review")
        for i, point in enumerate(content.review.key_points):
            yield src, ("key_points", i), point
        if content.review.overview:
            yield src, ("overview",), content.review.overview
    for kind, items in (("mechanism", content.mechanisms), ("strategy", content.strategies)):
        for slug, item in items.items():
            src = content.source(kind, slug)
            yield src, ("summary",), item.summary
            for i, ev in enumerate(item.evidence):
                yield src, ("evidence", i, "finding"), ev.finding
    for stem, paper in content.papers.items():
        src = content.source("paper", stem)
        if paper.curation.summary:
            yield src, ("curation", "summary"), paper.curation.summary
        if paper.curation.notes:
            yield src, ("curation", "notes"), paper.curation.notes


def _duplicates(src: Source, loc: tuple[str | int, ...], values: list[str], what: str) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for i, value in enumerate(values):
        if value in seen:
            out.append(src.problem((*loc, i), f"{what} {value!r} is listed twice"))
        seen.add(value)
    return out


def cross_check(content: Content) -> list[Problem]:
    problems: list[Problem] = []
    index = CiteIndex(content.papers)

    def unresolved(key: str) -> bool:
        if index.resolve(key) is not None:
            return False
        kind, _, value = key.partition(":")
        return not (kind in ("pmid", "paper") and ("paper", value) in content.broken)

    def need_paper(src: Source, loc: tuple[str | int, ...], key: str) -> None:
        if unresolved(key):
            problems.append(src.problem(loc, f"citation {key!r} does not match any file in content/papers/"))

    for slug, strategy in content.strategies.items():
        src = content.source("strategy", slug)
        problems += _duplicates(src, ("addresses",), strategy.addresses, "mechanism")
        for i, target in enumerate(strategy.addresses):
            if not content.exists("mechanism", target):
                problems.append(src.problem(("addresses", i), f"unknown mechanism {target!r}"))
        for i, trial in enumerate(strategy.trials):
            for j, key in enumerate(trial.cites):
                need_paper(src, ("trials", i, "cites", j), key)
    for kind, items in (("mechanism", content.mechanisms), ("strategy", content.strategies)):
        for slug, item in items.items():
            src = content.source(kind, slug)
            for i, ev in enumerate(item.evidence):
                for j, key in enumerate(ev.cites):
                    need_paper(src, ("evidence", i, "cites", j), key)

    dois: dict[str, str] = {}
    review_ids = {}
    if content.review is not None:
        rec = content.review.record
        review_ids = {"pmid": rec.pmid, "doi": rec.doi.lower() if rec.doi else None}
    for stem, paper in content.papers.items():
        src = content.source("paper", stem)
        cur = paper.curation
        for field, what in (("mechanisms", "mechanism"), ("strategies", "strategy")):
            values = getattr(cur, field)
            problems += _duplicates(src, ("curation", field), values, what)
            for i, value in enumerate(values):
                if not content.exists(what, value):
                    problems.append(src.problem(("curation", field, i), f"unknown {what} {value!r}"))
        problems += _duplicates(src, ("relations",), list(paper.relations), "relation")
        rec = paper.record
        if rec.pmid and rec.pmid == review_ids.get("pmid"):
            problems.append(
                src.problem(("record", "pmid"), "this is the review itself: keep it in content/review.yaml")
            )
        if rec.doi:
            doi = rec.doi.lower()
            if doi in dois:
                other = f"content/papers/{dois[doi]}.yaml"
                problems.append(src.problem(("record", "doi"), f"DOI {rec.doi!r} is also in {other}"))
            else:
                dois[doi] = stem

    for src, loc, text in prose_fields(content):
        for group in find_citations(text):
            for bad in group.bad:
                line, col = src.located.find_in_text(loc, group.start, text[group.start:group.end])
                hint = "write [@pmid:N], [@doi:10.N/x] or [@paper:slug]"
                problems.append(Problem(src.path, line, col, f"malformed citation {bad!r}: {hint}"))
            for key in group.keys:
                if unresolved(key):
                    line, col = src.located.find_in_text(loc, group.start, text[group.start:group.end])
                    message = f"citation {key!r} does not match any file in content/papers/"
                    problems.append(Problem(src.path, line, col, message))
    return problems


def check(root: Path) -> tuple[Content, list[Problem]]:
    """Load and cross-check everything; the problems come back sorted and de-duplicated."""
    content, problems = load_content(root)
    problems += cross_check(content)
    return content, sorted(set(problems))
