"""Citation keys and the one citation syntax of prose: `[@pmid:29155426; @doi:10.1/x; @paper:slug]`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .model import CITEKEY_RE, Paper

CITATION_RE = re.compile(r"\[@([^\]\n]{1,2000})\]")
# Near misses that would otherwise reach the page as literal text: a bracket without `@`, or a key
# with `@` but no brackets around it.
_NO_AT = re.compile(r"\[\s*((?:pmid|doi|paper):[^\]\n]{1,300})\]", re.IGNORECASE)
_BARE = re.compile(r"(?<![\[\w;])\s?@((?:pmid|doi|paper):[^\s\];,]+)", re.IGNORECASE)


@dataclass(frozen=True)
class CitationGroup:
    start: int
    end: int
    keys: tuple[str, ...]
    bad: tuple[str, ...]


@dataclass(frozen=True)
class CitationTypo:
    start: int
    found: str
    fix: str


def find_citations(text: str) -> Iterator[CitationGroup]:
    """Each bracketed citation group in `text`, with well-formed keys and malformed ones apart."""
    for match in CITATION_RE.finditer(text):
        keys: list[str] = []
        bad: list[str] = []
        for part in match.group(1).split(";"):
            key = part.strip().removeprefix("@").strip()
            (keys if CITEKEY_RE.match(key) else bad).append(key)
        yield CitationGroup(match.start(), match.end(), tuple(keys), tuple(bad))


def find_typos(text: str) -> Iterator[CitationTypo]:
    """Citations written almost right: `[pmid:N]` (no `@`) and `@pmid:N` outside square brackets."""
    inside = [(m.start(), m.end()) for m in CITATION_RE.finditer(text)]
    for match in _NO_AT.finditer(text):
        keys = "; ".join("@" + k.strip().removeprefix("@") for k in match.group(1).split(";"))
        yield CitationTypo(match.start(), match.group(0), f"[{keys}]")
    for match in _BARE.finditer(text):
        start = match.start(1) - 1
        if any(a <= start < b for a, b in inside):
            continue
        key = match.group(1).rstrip(".,:")
        while key.endswith(")") and key.count(")") > key.count("("):
            key = key[:-1]
        yield CitationTypo(start, "@" + key, f"[@{key}]")


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
