"""Which mechanisms and strategies a new paper may concern: a small, transparent score with its reasons.

Only a suggestion for the weekly pull request: curators accept one by adding the topic to the paper's
`curation.mechanisms`/`strategies`; nothing is ever assigned automatically. The paper's words (title,
abstract, MeSH terms, author keywords) are compared with each topic's own: its antigens and products
(3 points each), its title (4 when every significant word of it appears, else 1 per word), its
diseases (1 each), and distinctive words of its summary (1 each, at most 3). Every point comes with
the term that earned it, so the reason can be shown ("matches CD22, antigen density").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..load import Content
from ..model import Record

MIN_SCORE = 3
PER_PAPER = 3
_STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "been", "by", "can", "for", "from", "has", "have", "in", "into", "is",
    "it", "its", "may", "more", "not", "of", "on", "or", "that", "the", "their", "these", "this", "those", "to",
    "was", "were", "which", "with", "without", "after", "before", "between", "during", "than", "then", "they",
    "both", "also", "only", "other", "such", "car", "cars", "cell", "cells", "t", "therapy", "therapies", "patient",
    "patients", "cancer", "tumour", "tumor", "treatment", "response", "responses", "study", "studies", "clinical",
    "trial", "trials", "data", "results", "role", "new", "novel", "use", "using", "used", "based", "high", "low",
    "level", "levels", "one", "two",
})
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """Lower case, every run of non-alphanumerics one space: 'B-ALL' and 'b all' compare equal."""
    return " ".join(_WORD.findall(text.lower()))


def _has(haystack: str, term: str) -> bool:
    needle = normalise(term)
    return bool(needle) and f" {needle} " in haystack


def _alternatives(tag: str) -> list[str]:
    """'tisagenlecleucel (CTL019)' -> ['tisagenlecleucel', 'CTL019']."""
    head, _, rest = tag.partition("(")
    return [t.strip() for t in [head, *re.split(r"[,/;]", rest.rstrip(")"))] if t.strip()]


def _significant(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and (len(w) >= 4 or any(c.isdigit() for c in w))]


@dataclass(frozen=True)
class Topic:
    kind: str  # mechanism | strategy
    slug: str
    title: str
    antigens: tuple[str, ...]
    products: tuple[str, ...]
    diseases: tuple[str, ...]
    summary_words: frozenset[str]


@dataclass(frozen=True)
class Suggestion:
    kind: str
    slug: str
    title: str
    score: int
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "matches " + ", ".join(self.reasons)


def topics(content: Content) -> list[Topic]:
    """Every mechanism and strategy, with the words it is known by."""
    out = []
    for kind in ("mechanism", "strategy"):
        for slug, item in sorted(content.items(kind).items()):
            words = {w for w in _significant(item.summary) if len(w) >= 7}
            out.append(Topic(kind, slug, item.title, tuple(item.antigens), tuple(item.products), tuple(item.diseases),
                             frozenset(words)))
    return out


def paper_text(record: Record, keywords: Iterable[str] = ()) -> str:
    """The paper's words, normalised and padded with spaces for whole-word matching."""
    parts = [record.title, *(s.text for s in record.abstract), *record.mesh, *keywords]
    return f" {normalise(' '.join(parts))} "


def score(topic: Topic, text: str) -> tuple[int, list[str]]:
    """Points and the terms that earned them, in the order of the rules above."""
    points = 0
    reasons: list[str] = []
    for tag in (*topic.antigens, *topic.products):
        hit = next((alt for alt in _alternatives(tag) if _has(text, alt)), None)
        if hit is not None:
            points, reasons = points + 3, [*reasons, hit]
    title_words = list(dict.fromkeys(_significant(topic.title)))
    found = [w for w in title_words if _has(text, w)]
    if title_words and len(found) == len(title_words):
        points, reasons = points + 4, [*reasons, topic.title]
    else:
        points, reasons = points + len(found), [*reasons, *found]
    for disease in topic.diseases:
        if _has(text, disease):
            points, reasons = points + 1, [*reasons, disease]
    shared = sorted(w for w in topic.summary_words if _has(text, w) and w not in reasons)[:3]
    return points + len(shared), [*reasons, *shared]


def suggest(record: Record, all_topics: list[Topic], keywords: Iterable[str] = ()) -> list[Suggestion]:
    """The best few topics for a paper (score at least MIN_SCORE, best first, ties by title)."""
    text = paper_text(record, keywords)
    found = []
    for topic in all_topics:
        points, reasons = score(topic, text)
        if points >= MIN_SCORE:
            unique = {normalise(r): r for r in reversed(reasons)}  # 'CD19' and 'cd19' once, as first written
            shown = tuple(r for r in dict.fromkeys(reasons) if unique.get(normalise(r)) == r)
            found.append(Suggestion(topic.kind, topic.slug, topic.title, points, shown))
    return sorted(found, key=lambda s: (-s.score, s.title))[:PER_PAPER]
