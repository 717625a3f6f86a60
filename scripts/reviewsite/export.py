"""Data files for the generated docs folder: the literature as BibTeX, RIS and CSL-JSON, and a JSON dump.

`export_files(builder)` is a pure function of the content (through the page builder, which decides which
papers belong to which mechanism or strategy): same content in, same bytes out. Files:

- `downloads/literature.{bib,ris,json}`: every paper;
- `downloads/mechanisms/<slug>.{bib,ris,json}`, `downloads/strategies/<slug>.{bib,ris,json}`: a topic's papers;
- `downloads/papers/<key>.{bib,ris}`: one paper;
- `downloads/reviewsite.json`: mechanisms, strategies and papers as data, for reuse.
"""

from __future__ import annotations

import json
from typing import Any

from .biblio import bibtex_entry, csl_item, ris_entry
from .pages import EXPORT_FORMATS, PAPER_EXPORT_FORMATS, SiteBuilder, download_path

DUMP_FORMAT = "reviewsite-dump/1"


def _json(data: Any) -> bytes:
    """Compact JSON: `indent` forces Python's slow encoder, the main export cost at 10,000 papers (bench/)."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def bibtex(builder: SiteBuilder, keys: list[str]) -> bytes:
    papers = builder.content.papers
    return "\n".join(bibtex_entry(builder.citekeys[k], papers[k].record) for k in keys).encode("utf-8")


def ris(builder: SiteBuilder, keys: list[str]) -> bytes:
    papers = builder.content.papers
    return "".join(ris_entry(k, papers[k].record, citekey=builder.citekeys[k]) for k in keys).encode("utf-8")


def csl_json(builder: SiteBuilder, keys: list[str]) -> bytes:
    papers = builder.content.papers
    return _json([csl_item(k, papers[k].record, citekey=builder.citekeys[k]) for k in keys])


_WRITERS = {"bib": bibtex, "ris": ris, "json": csl_json}


def dump(builder: SiteBuilder) -> dict[str, Any]:
    """Mechanisms, strategies and papers as plain data: curated text stays Markdown, citations stay keys."""
    review = builder.review

    def evidence(items: list[Any]) -> list[dict[str, Any]]:
        return [{"finding": ev.finding, "cites": list(ev.cites),
                 "papers": [p for p in (builder.index.resolve(k) for k in ev.cites) if p is not None]}
                for ev in items]

    mechanisms = []
    for slug, m in builder.mechanisms:
        item = m.model_dump(mode="json", exclude={"evidence"})
        mechanisms.append({"slug": slug, "url": f"mechanisms/{slug}/", **item, "evidence": evidence(m.evidence),
                           "strategies": list(builder.addressed_by.get(slug, [])),
                           "papers": builder.topic_papers("mechanisms", slug)})
    strategies = []
    for slug, s in builder.strategies:
        item = s.model_dump(mode="json", exclude={"evidence"})
        strategies.append({"slug": slug, "url": f"strategies/{slug}/", **item, "evidence": evidence(s.evidence),
                           "papers": builder.topic_papers("strategies", slug)})
    papers = []
    for key, paper in builder.papers:
        papers.append({
            "key": key,
            "url": builder.paper_url(key),
            "citation_key": builder.citekeys[key],
            **paper.model_dump(mode="json", exclude_none=True),
            "topics": [{"kind": t["kind"], "slug": t["slug"]} for t in builder.topics_of(key)],
        })
    return {
        "format": DUMP_FORMAT,
        "review": review.model_dump(mode="json", exclude_none=True),
        "mechanisms": mechanisms,
        "strategies": strategies,
        "papers": papers,
    }


def export_files(builder: SiteBuilder) -> dict[str, bytes]:
    """Every export, keyed by its path in the docs folder."""
    files: dict[str, bytes] = {}
    everything = [key for key, _ in builder.papers]
    for ext, _ in EXPORT_FORMATS:
        files[download_path("", "literature", ext)] = _WRITERS[ext](builder, everything)
    for kind, items in (("mechanisms", builder.mechanisms), ("strategies", builder.strategies)):
        for slug, _ in items:
            keys = builder.topic_papers(kind, slug)
            if keys:
                for ext, _ in EXPORT_FORMATS:
                    files[download_path(kind, slug, ext)] = _WRITERS[ext](builder, keys)
    for key in everything:
        for ext, _ in PAPER_EXPORT_FORMATS:
            files[download_path("papers", key, ext)] = _WRITERS[ext](builder, [key])
    files[download_path("", "reviewsite", "json")] = _json(dump(builder))
    return files
