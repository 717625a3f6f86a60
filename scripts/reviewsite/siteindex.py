"""The site index: everything derived from the content once, before any page is made.

Orderings, the citation graph (which page cites which paper, and where), the topics each paper informs,
citation keys, counts and vocabularies. Views, exports and the feed all read this one index, so they can
never disagree about which papers a topic has or which papers an evidence item cites.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import prose
from .biblio import citation_keys, year_of
from .cite import CiteIndex, find_citations
from .load import Content
from .model import RELATIONS, Evidence, Mechanism, Overview, Paper, Review, Strategy
from .settings import Settings

NO_RELATION = "cited"
"""Relation key of papers PubMed does not link to the review (primary studies cited on the site)."""
NO_RELATION_TITLE = "Cited on this site"
REVIEW_KEY = "@review"
"""The review's key among the papers' in citation keys and exports (no paper file can have it)."""
TOPIC_KINDS = ("mechanisms", "strategies")
RETRACTION_TYPES = ("RetractionIn", "RetractedandRepublishedIn")
CONCERN_TYPES = ("ExpressionOfConcernIn",)
CORRECTION_TYPES = ("ErratumIn", "CorrectedandRepublishedIn", "UpdateIn")


@dataclass(frozen=True)
class Topic:
    """A mechanism or strategy, as a paper's topic."""

    kind: str
    slug: str
    title: str

    @property
    def url(self) -> str:
        return f"{self.kind}/{self.slug}/"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.slug}"


@dataclass(frozen=True)
class Mention:
    """One place on the site that cites a paper: a page, the item on it, and a snippet of the item."""

    page: str
    anchor: str
    title: str
    kind: str
    what: str
    snippet: str = ""


@dataclass(frozen=True)
class Flag:
    """What a reader must know before relying on a paper: retracted, of concern, or corrected."""

    level: str  # "retracted" | "concern" | "corrected"
    notice_pmid: str | None
    label: str


def prose_keys(text: str) -> list[str]:
    """Citation keys written in a prose field, in order."""
    return [key for group in find_citations(text) for key in group.keys]


def _flag(paper: Paper) -> Flag | None:
    rec = paper.record
    types = {t.lower() for t in rec.publication_types}
    for level, kinds, label in (("retracted", RETRACTION_TYPES, "Retracted"),
                                ("concern", CONCERN_TYPES, "Expression of concern"),
                                ("corrected", CORRECTION_TYPES, "Corrected")):
        notice = next((c for c in rec.corrections if c.type in kinds), None)
        if notice is not None:
            return Flag(level, notice.pmid, label)
        if level == "retracted" and "retracted publication" in types:
            return Flag(level, None, label)
    return None


class SiteIndex:
    """Derived once from validated content and settings; read by every view, export and feed."""

    def __init__(self, content: Content, settings: Settings):
        if content.review is None:
            raise ValueError("content has no review")
        self.content = content
        self.settings = settings
        self.review: Review = content.review
        self.categories = settings.vocabulary("categories")
        self.stages = settings.vocabulary("stages")
        self.evidence_kinds = settings.vocabulary("evidence_kinds")
        self.relation_titles = settings.relations.titles()
        self.cite = CiteIndex(content.papers)
        self.mechanisms: list[tuple[str, Mechanism]] = _ordered(content.mechanisms)
        self.strategies: list[tuple[str, Strategy]] = _ordered(content.strategies)
        self.overviews: list[tuple[str, Overview]] = _ordered(content.overviews)
        self.papers: list[tuple[str, Paper]] = sorted(content.papers.items(), key=lambda kv: _paper_order(*kv))
        self.citekeys = citation_keys({**content.papers, REVIEW_KEY: Paper(record=self.review.record)})
        self.addressed_by: dict[str, list[str]] = {slug: [] for slug, _ in self.mechanisms}
        for slug, strategy in self.strategies:
            for target in strategy.addresses:
                self.addressed_by.setdefault(target, []).append(slug)
        self.mentions = self._mentions()
        self.topics = {key: self._topics_of(key) for key, _ in self.papers}
        self._topic_papers: dict[str, list[str]] = {}
        for key, _ in self.papers:
            for topic in self.topics[key]:
                self._topic_papers.setdefault(topic.key, []).append(key)
        self.flags = {key: flag for key, paper in self.papers if (flag := _flag(paper)) is not None}
        self._curated: dict[str, list[str]] = {}
        for key, paper in self.papers:
            for kind in TOPIC_KINDS:
                for slug in getattr(paper.curation, kind):
                    self._curated.setdefault(f"{kind}:{slug}", []).append(key)

    # -- lookups

    def paper(self, key: str) -> Paper:
        return self.content.papers[key]

    def resolve(self, citekey: str) -> str | None:
        return self.cite.resolve(citekey)

    def item(self, kind: str, slug: str) -> Any:
        """A mechanism, strategy or overview by its section (`mechanisms`...) and slug."""
        items: dict[str, dict[str, Any]] = {"mechanisms": self.content.mechanisms,
                                            "strategies": self.content.strategies, "overviews": self.content.overviews}
        return items[kind][slug]

    def source(self, kind: str, key: str) -> str:
        """Project-relative path of the file an item came from."""
        return self.content.source(kind, key).path

    def evidence_papers(self, evidence: Evidence) -> list[str]:
        """The papers an evidence item cites, in its `cites` list or in its finding's text: the one
        definition the matrix, the JSON dump and "discussed in" all use."""
        return _unique(p for p in (self.resolve(k) for k in [*evidence.cites, *prose_keys(evidence.finding)])
                       if p is not None)

    def relation_keys(self, key: str) -> list[str]:
        return list(self.paper(key).relations) or [NO_RELATION]

    def relation_title(self, relation: str) -> str:
        return self.relation_titles.get(relation, NO_RELATION_TITLE)

    def topic_papers(self, kind: str, slug: str) -> list[str]:
        """Papers informing a mechanism or strategy (curated or cited), in literature order."""
        return list(self._topic_papers.get(f"{kind}:{slug}", []))

    def curated(self, kind: str, slug: str) -> list[str]:
        """Papers whose curation lists this mechanism or strategy, in literature order."""
        return list(self._curated.get(f"{kind}:{slug}", []))

    def counts(self) -> dict[str, int]:
        counts = {"papers": len(self.papers), "mechanisms": len(self.mechanisms),
                  "strategies": len(self.strategies), "overviews": len(self.overviews)}
        for relation in RELATIONS:
            counts[relation] = sum(1 for _, p in self.papers if relation in p.relations)
        counts["flagged"] = len(self.flags)
        return counts

    # -- derived once

    def _mentions(self) -> dict[str, list[Mention]]:
        """Paper key -> every place that cites it, in site order (mechanisms, strategies, overviews, home)."""
        found: dict[str, list[Mention]] = {}

        def add(keys: Iterable[str], mention: Mention) -> None:
            for key in keys:
                paper = self.resolve(key)
                if paper is not None and mention not in found.setdefault(paper, []):
                    found[paper].append(mention)

        for kind, items in (("mechanisms", self.mechanisms), ("strategies", self.strategies),
                            ("overviews", self.overviews)):
            for slug, item in items:
                page = f"{kind}/{slug}/"
                add(prose_keys(item.summary), Mention(page, "", item.title, kind, "summary"))
                for section in getattr(item, "sections", []):
                    add(prose_keys(section.body), Mention(page, "", item.title, kind, section.heading))
                for trial in getattr(item, "trials", []):
                    add(trial.cites, Mention(page, "trials", item.title, kind, f"trial {trial.id}"))
                for i, ev in enumerate(item.evidence, 1):
                    add([*ev.cites, *prose_keys(ev.finding)],
                        Mention(page, f"evidence-{i}", item.title, kind, f"evidence {i}", prose.plain(ev.finding, 80)))
        for point in self.review.key_points:
            add(prose_keys(point), Mention("", "key-points", "Home page", "", "key points"))
        if self.review.overview:
            add(prose_keys(self.review.overview), Mention("", "overview", "Home page", "", "overview"))
        return found

    def _topics_of(self, key: str) -> list[Topic]:
        """Mechanisms and strategies a paper informs: curated lists plus every topic page that cites it."""
        paper = self.paper(key)
        pairs = [("mechanisms", s) for s in paper.curation.mechanisms]
        pairs += [("strategies", s) for s in paper.curation.strategies]
        pairs += [(m.kind, m.page.split("/")[1]) for m in self.mentions.get(key, []) if m.kind in TOPIC_KINDS]
        out = []
        for kind, slug in _unique(pairs):
            items = self.content.mechanisms if kind == "mechanisms" else self.content.strategies
            if slug in items:
                out.append(Topic(kind, slug, items[slug].title))
        return sorted(out, key=lambda t: (t.kind, t.title))


def _ordered(items: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(items.items(), key=lambda kv: (kv[1].order, kv[1].title, kv[0]))


def _paper_order(key: str, paper: Paper) -> tuple[str, str, str]:
    """Literature order: newest first, then by title."""
    year = year_of(paper.record)
    return (f"{9999 - int(year):04d}" if year else "9999", paper.record.title.lower(), key)


def _unique(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))
