"""Cross-reference checks over loaded content: every link and citation resolves, every word of a
vocabulary is one the settings define, nothing is duplicated, no text hides a typo'd citation or an
address of a private machine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .cite import CiteIndex, find_citations, find_typos
from .config import Project
from .errors import Problem
from .load import Content, Source, load_content
from .model import public_host
from .settings import Settings

_URL_HOST = re.compile(r"(?i)\b(?:https?|ftp)://(?:[^/\s\"'<>@]*@)?(\[[^\]]*\]|[^/\s\"'<>:?#\])]+)")


def prose_fields(content: Content) -> Iterator[tuple[Source, tuple[str | int, ...], str]]:
    """Every Markdown field in the content, with where it lives."""
    if content.review is not None:
        src = content.source("review", "review")
        for i, point in enumerate(content.review.key_points):
            yield src, ("key_points", i), point
        if content.review.overview:
            yield src, ("overview",), content.review.overview
    for kind in ("mechanism", "strategy", "overview"):
        for slug, item in content.items(kind).items():
            src = content.source(kind, slug)
            yield src, ("summary",), item.summary
            for i, section in enumerate(getattr(item, "sections", [])):
                yield src, ("sections", i, "body"), section.body
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


def _vocabulary(content: Content, settings: Settings) -> list[Problem]:
    """Categories, stages and evidence kinds must be words the site's settings define."""
    problems: list[Problem] = []

    def need(src: Source, loc: tuple[str | int, ...], value: str | None, name: str, what: str) -> None:
        words = settings.vocabulary(name)
        if value is not None and value not in words:
            problems.append(src.problem(loc, f"{what} {value!r} is not defined: use one of {', '.join(words)} "
                                        f"(or add it to extra.reviewsite.{name} in mkdocs.yml)"))

    for slug, m in content.mechanisms.items():
        need(content.source("mechanism", slug), ("category",), m.category, "categories", "category")
    for slug, s in content.strategies.items():
        need(content.source("strategy", slug), ("stage",), s.stage, "stages", "stage")
    for kind in ("mechanism", "strategy", "overview"):
        for slug, item in content.items(kind).items():
            for i, ev in enumerate(item.evidence):
                need(content.source(kind, slug), ("evidence", i, "kind"), ev.kind, "evidence_kinds", "evidence kind")
    return problems


def _private_addresses(content: Content) -> list[Problem]:
    """Links to an IP address or a local machine, anywhere in a file (notes included): they leak a
    mirror's or a curator's address, and point readers nowhere."""
    problems = []
    for source in content.sources.values():
        text = source.located.text
        if "://" not in text:
            continue
        for match in _URL_HOST.finditer(text):
            host = match.group(1).strip("[]")
            if public_host(host) is None:
                continue
            line = text.count("\n", 0, match.start()) + 1
            col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            problems.append(Problem(source.path, line, col, f"address {match.group(0)!r} is an IP address or a "
                                    "local machine: cite the public page (e.g. https://pubmed.ncbi.nlm.nih.gov/N/) "
                                    "or describe the source in words"))
    return problems


def _citations_in_prose(content: Content, unresolved: Any) -> list[Problem]:
    problems = []
    hint = "write [@pmid:N], [@doi:10.N/x] or [@paper:slug]"
    for src, loc, text in prose_fields(content):
        for group in find_citations(text):
            for bad in group.bad:
                line, col = src.located.find_in_text(loc, group.start, text[group.start:group.end])
                problems.append(Problem(src.path, line, col, f"malformed citation {bad!r}: {hint}"))
            for key in group.keys:
                if unresolved(key):
                    line, col = src.located.find_in_text(loc, group.start, text[group.start:group.end])
                    message = f"citation {key!r} does not match any file in content/papers/"
                    problems.append(Problem(src.path, line, col, message))
        for typo in find_typos(text):
            line, col = src.located.find_in_text(loc, typo.start, typo.found)
            problems.append(Problem(src.path, line, col, f"citation {typo.found!r} would show as plain text: "
                                    f"write {typo.fix}"))
    return problems


def cross_check(content: Content, settings: Settings) -> list[Problem]:
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
    for kind in ("mechanism", "strategy", "overview"):
        for slug, item in content.items(kind).items():
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

    problems += _citations_in_prose(content, unresolved)
    problems += _vocabulary(content, settings)
    problems += _private_addresses(content)
    return problems


def check(project: Project) -> tuple[Content, list[Problem]]:
    """Load and cross-check everything; the problems come back sorted and de-duplicated."""
    content, problems = load_content(project.root)
    problems += cross_check(content, project.settings)
    return content, sorted(set(problems))
