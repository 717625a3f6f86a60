"""Data files: the literature as BibTeX, RIS and CSL-JSON, and a JSON dump, from the site index.

A pure function of the index: same content in, same bytes out. Files:

- `downloads/literature.{bib,ris,json}`: the review, then every paper;
- `downloads/mechanisms/<slug>.{bib,ris,json}`, `downloads/strategies/<slug>.{bib,ris,json}`: the review and
  a topic's papers;
- `downloads/papers/<key>.{bib,ris}`: one paper;
- `downloads/reviewsite.json`: the review, mechanisms, strategies, overviews and papers as data, for reuse.
"""

from __future__ import annotations

import json
from typing import Any

from .biblio import bibtex_entry, csl_item, ris_entry
from .model import Record
from .siteindex import REVIEW_KEY, SiteIndex
from .urls import EXPORT_FORMATS, PAPER_EXPORT_FORMATS, download_path

DUMP_FORMAT = "reviewsite-dump/2"


def _json(data: Any) -> bytes:
    """Compact JSON: `indent` forces Python's slow encoder, the main export cost at 10,000 papers (bench/)."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _record(index: SiteIndex, key: str) -> Record:
    return index.review.record if key == REVIEW_KEY else index.paper(key).record


def bibtex(index: SiteIndex, keys: list[str]) -> bytes:
    return "\n".join(bibtex_entry(index.citekeys[k], _record(index, k)) for k in keys).encode("utf-8")


def ris(index: SiteIndex, keys: list[str]) -> bytes:
    return "".join(ris_entry(k.lstrip("@"), _record(index, k), citekey=index.citekeys[k]) for k in keys).encode("utf-8")


def csl_json(index: SiteIndex, keys: list[str]) -> bytes:
    return _json([csl_item(k.lstrip("@"), _record(index, k), citekey=index.citekeys[k]) for k in keys])


_WRITERS = {"bib": bibtex, "ris": ris, "json": csl_json}


def dump(index: SiteIndex) -> dict[str, Any]:
    """Everything as plain data: curated text stays Markdown, citations stay keys."""

    def evidence(items: list[Any]) -> list[dict[str, Any]]:
        return [{**ev.model_dump(mode="json", exclude_none=True), "papers": index.evidence_papers(ev)}
                for ev in items]

    def topics(kind: str, items: list[tuple[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for slug, item in items:
            extra: dict[str, Any] = {"papers": index.topic_papers(kind, slug)} if kind != "overviews" else {}
            if kind == "mechanisms":
                extra["strategies"] = list(index.addressed_by.get(slug, []))
            out.append({"slug": slug, "url": f"{kind}/{slug}/", **item.model_dump(mode="json", exclude={"evidence"}),
                        "evidence": evidence(item.evidence), **extra})
        return out

    papers = []
    for key, paper in index.papers:
        flag = index.flags.get(key)
        papers.append({"key": key, "url": f"papers/{key}/", "citation_key": index.citekeys[key],
                       **paper.model_dump(mode="json", exclude_none=True),
                       "topics": [{"kind": t.kind, "slug": t.slug} for t in index.topics[key]],
                       **({"flag": flag.level} if flag else {})})
    return {
        "format": DUMP_FORMAT,
        "review": {"citation_key": index.citekeys[REVIEW_KEY],
                   **index.review.model_dump(mode="json", exclude_none=True)},
        "mechanisms": topics("mechanisms", index.mechanisms),
        "strategies": topics("strategies", index.strategies),
        "overviews": topics("overviews", index.overviews),
        "papers": papers,
    }


def export_files(index: SiteIndex) -> dict[str, bytes]:
    """Every export, keyed by its path in the docs folder."""
    files: dict[str, bytes] = {}
    everything = [REVIEW_KEY, *(key for key, _ in index.papers)]
    for ext, _ in EXPORT_FORMATS:
        files[download_path("", "literature", ext)] = _WRITERS[ext](index, everything)
    for kind, items in (("mechanisms", index.mechanisms), ("strategies", index.strategies)):
        for slug, _ in items:
            keys = index.topic_papers(kind, slug)
            if keys:
                for ext, _ in EXPORT_FORMATS:
                    files[download_path(kind, slug, ext)] = _WRITERS[ext](index, [REVIEW_KEY, *keys])
    for key, _ in index.papers:
        for ext, _ in PAPER_EXPORT_FORMATS:
            files[download_path("papers", key, ext)] = _WRITERS[ext](index, [key])
    files[download_path("", "reviewsite", "json")] = _json(dump(index))
    return files
