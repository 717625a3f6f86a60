"""Citation keys and the one citation syntax of prose: `[@pmid:29155426; @doi:10.1/x; @paper:slug]`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .model import CITEKEY_RE, Paper

CITATION_RE = re.compile(r"\[@([^\]\n]{1,2000})\]")


@dataclass(frozen=True)
class CitationGroup:
    start: int
    end: int
    keys: tuple[str, ...]
    bad: tuple[str, ...]


def find_citations(text: str) -> Iterator[CitationGroup]:
    """Each bracketed citation group in `text`, with well-formed keys and malformed ones apart."""
    for match in CITATION_RE.finditer(text):
        keys, bad = [], []
        for part in match.group(1).split(";"):
            key = part.strip().removeprefix("@").strip()
            (keys if CITEKEY_RE.match(key) else bad).append(key)
        yield CitationGroup(match.start(), match.end(), tuple(keys), tuple(bad))


class CiteIndex:
    """Resolves citation keys to paper keys (file stems)."""

    def __init__(self, papers: dict[str, Paper]):
        self._by_key: dict[str, str] = {}
        for stem, paper in papers.items():
            rec = paper.record
            if rec.pmid:
                self._by_key[f"pmid:{rec.pmid}"] = stem
            else:
                self._by_key[f"paper:{stem}"] = stem
            if rec.doi:
                self._by_key.setdefault(f"doi:{rec.doi.lower()}", stem)

    def resolve(self, key: str) -> str | None:
        if key.startswith("doi:"):
            key = "doi:" + key[4:].lower()
        return self._by_key.get(key)
