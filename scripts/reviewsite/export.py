"""Data files: the literature as BibTeX, RIS and CSL-JSON, and a JSON dump, from the site index.

A pure function of the index: same content in, same bytes out. Files:

- `downloads/literature.{bib,ris,json}`: the review, then every paper;
- `downloads/mechanisms/<slug>.{bib,ris,json}`, `downloads/strategies/<slug>.{bib,ris,json}`: the review and
  a topic's papers;
- `downloads/reviewsite.json`: the review, mechanisms, strategies, overviews and papers as data, for reuse.

A single paper's BibTeX and RIS are on its page, saved as files by the page's script (views/papers.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from .biblio import bibtex_entry, csl_item, ris_entry
from .model import Record
from .outputcache import OutputCache, stamp_of
from .siteindex import REVIEW_KEY, SiteIndex
from .urls import EXPORT_FORMATS, download_path

DUMP_FORMAT = "reviewsite-dump/2"


def _json(data: Any) -> bytes:
    """Compact JSON: `indent` forces Python's slow encoder, the main export cost at 10,000 papers (bench/)."""
    return (_compact(data) + "\n").encode("utf-8")


def _compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class Pieces:
    """Each paper's part of the exports (its BibTeX, RIS and CSL-JSON entry, its record in the dump), kept
    between runs of `reviewsite serve`: a piece is made again only when its paper's model (a new object
    whenever its file changed: contentstore.ContentStore) or what else it shows (citation key, topics, flag)
    did. `next()` starts a run; pieces of papers not asked for in that run are dropped.

    Between builds, `stored` (outputcache.OutputCache) keeps them on disk instead, stamped with the hash of
    the paper's file (`digest`) and what else the piece shows."""

    def __init__(self, previous: dict[tuple[str, str], tuple[Any, Any, str]] | None = None, *,
                 only: set[str] | None = None, stored: OutputCache | None = None,
                 digest: Callable[[str], bytes | None] | None = None):
        self._previous = previous or {}
        self._current: dict[tuple[str, str], tuple[Any, Any, str]] = {}
        self._only = only
        """If set, only these papers' pieces are kept in memory (the others are made, or read from `stored`,
        each time they are asked for)."""
        self._stored = stored
        self._digest = digest

    def next(self) -> Pieces:
        return Pieces(self._current, only=self._only, stored=self._stored, digest=self._digest)

    def get(self, kind: str, key: str, model: Any, extra: Any, make: Callable[[], str]) -> str:
        if self._only is not None and key not in self._only:
            return self._from_store(kind, key, extra, make)
        slot = (kind, key)
        hit = self._current.get(slot) or self._previous.get(slot)
        if hit is None or hit[0] is not model or hit[1] != extra:
            hit = (model, extra, self._from_store(kind, key, extra, make))
        self._current[slot] = hit
        return hit[2]

    def _from_store(self, kind: str, key: str, extra: Any, make: Callable[[], str]) -> str:
        stored = self._stored
        if stored is None or self._digest is None:
            return make()
        stamp = stamp_of(self._digest(key), extra)
        data = stored.get(kind, key, stamp)
        if data is not None:
            return data.decode("utf-8")
        text = make()
        stored.put(kind, key, stamp, text.encode("utf-8"))
        return text


def _record(index: SiteIndex, key: str) -> Record:
    return index.review.record if key == REVIEW_KEY else index.paper(key).record


def _piece(index: SiteIndex, pieces: Pieces | None, kind: str, key: str, make: Callable[[], str]) -> str:
    if pieces is None or key == REVIEW_KEY:
        return make()
    return pieces.get(kind, key, index.paper(key), index.citekeys[key], make)


def _bib_entry(index: SiteIndex, key: str, pieces: Pieces | None = None) -> str:
    return _piece(index, pieces, "bib", key, lambda: bibtex_entry(index.citekeys[key], _record(index, key)))


def _ris_entry(index: SiteIndex, key: str, pieces: Pieces | None = None) -> str:
    return _piece(index, pieces, "ris", key,
                  lambda: ris_entry(key.lstrip("@"), _record(index, key), citekey=index.citekeys[key]))


def _csl_entry(index: SiteIndex, key: str, pieces: Pieces | None = None) -> str:
    return _piece(index, pieces, "csl", key,
                  lambda: _compact(csl_item(key.lstrip("@"), _record(index, key), citekey=index.citekeys[key])))


Chunks = Iterator[str]
"""A file's text, made and written piece by piece (files.TreeWriter.write_stream): the big downloads are
never whole in memory (reviewsite.json alone is 40 MB at 10,000 papers)."""


def bibtex_chunks(index: SiteIndex, keys: list[str], pieces: Pieces | None = None) -> Chunks:
    for i, key in enumerate(keys):
        yield ("\n" if i else "") + _bib_entry(index, key, pieces)


def ris_chunks(index: SiteIndex, keys: list[str], pieces: Pieces | None = None) -> Chunks:
    for key in keys:
        yield _ris_entry(index, key, pieces)


def csl_chunks(index: SiteIndex, keys: list[str], pieces: Pieces | None = None) -> Chunks:
    # The same text as json.dumps of the whole list with these separators, made from per-paper pieces.
    yield "["
    for i, key in enumerate(keys):
        yield ("," if i else "") + _csl_entry(index, key, pieces)
    yield "]\n"


def joined(chunks: Chunks) -> bytes:
    return "".join(chunks).encode("utf-8")


def bibtex(index: SiteIndex, keys: list[str], pieces: Pieces | None = None) -> bytes:
    return joined(bibtex_chunks(index, keys, pieces))


def ris(index: SiteIndex, keys: list[str], pieces: Pieces | None = None) -> bytes:
    return joined(ris_chunks(index, keys, pieces))


def csl_json(index: SiteIndex, keys: list[str], pieces: Pieces | None = None) -> bytes:
    return joined(csl_chunks(index, keys, pieces))


_WRITERS: dict[str, Callable[[SiteIndex, list[str], Pieces | None], Chunks]] = {
    "bib": bibtex_chunks, "ris": ris_chunks, "json": csl_chunks}


def _dump_topics(index: SiteIndex, kind: str, items: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    def evidence(found: list[Any]) -> list[dict[str, Any]]:
        return [{**ev.model_dump(mode="json", exclude_none=True), "papers": index.evidence_papers(ev)}
                for ev in found]

    out = []
    for slug, item in items:
        extra: dict[str, Any] = {"papers": index.topic_papers(kind, slug)} if kind != "overviews" else {}
        if kind == "mechanisms":
            extra["strategies"] = list(index.addressed_by.get(slug, []))
        out.append({"slug": slug, "url": f"{kind}/{slug}/", **item.model_dump(mode="json", exclude={"evidence"}),
                    "evidence": evidence(item.evidence), **extra})
    return out


PRIVATE = {"curation": {"notes"}}
"""Curators' working notes stay in the content files: the downloads are public pages too."""


def _dump_paper(index: SiteIndex, key: str) -> dict[str, Any]:
    paper = index.paper(key)
    flag = index.flags.get(key)
    return {"key": key, "url": f"papers/{key}/", "citation_key": index.citekeys[key],
            **paper.model_dump(mode="json", exclude_none=True, exclude=PRIVATE),
            "topics": [{"kind": t.kind, "slug": t.slug} for t in index.topics[key]],
            **({"flag": flag.level} if flag else {})}


def _head(index: SiteIndex) -> dict[str, Any]:
    return {
        "format": DUMP_FORMAT,
        "review": {"citation_key": index.citekeys[REVIEW_KEY],
                   **index.review.model_dump(mode="json", exclude_none=True)},
        "mechanisms": _dump_topics(index, "mechanisms", index.mechanisms),
        "strategies": _dump_topics(index, "strategies", index.strategies),
        "overviews": _dump_topics(index, "overviews", index.overviews),
    }


def dump(index: SiteIndex) -> dict[str, Any]:
    """Everything as plain data: curated text stays Markdown, citations stay keys."""
    return {**_head(index), "papers": [_dump_paper(index, key) for key, _ in index.papers]}


def dump_chunks(index: SiteIndex, pieces: Pieces | None = None) -> Chunks:
    """`dump` as compact JSON (the same text as encoding it whole), from per-paper pieces."""

    def paper(key: str) -> str:
        if pieces is None:
            return _compact(_dump_paper(index, key))
        flag = index.flags.get(key)
        extra = (index.citekeys[key], tuple((t.kind, t.slug) for t in index.topics[key]), flag and flag.level)
        return pieces.get("dump", key, index.paper(key), extra, lambda: _compact(_dump_paper(index, key)))

    yield _compact(_head(index))[:-1] + ',"papers":['
    for i, (key, _) in enumerate(index.papers):
        yield ("," if i else "") + paper(key)
    yield "]}\n"


def dump_json(index: SiteIndex, pieces: Pieces | None = None) -> bytes:
    return joined(dump_chunks(index, pieces))


def one_off_pieces(index: SiteIndex, stored: OutputCache | None = None,
                   digest: Callable[[str], bytes | None] | None = None) -> Pieces:
    """Pieces for one build: in memory only those of papers on topic pages (asked for twice), and between
    builds all of them in `stored`, if given."""
    return Pieces(only={key for kind in ("mechanisms", "strategies")
                        for slug, _ in getattr(index, kind) for key in index.topic_papers(kind, slug)},
                  stored=stored, digest=digest)


def export_items(index: SiteIndex, pieces: Pieces | None = None) -> Iterator[tuple[str, bytes | Chunks]]:
    """Every export, one file at a time: its path in the docs folder and its bytes, or (the site-wide
    downloads, which grow with the literature) its text in chunks to write as they come.

    Without `pieces` (a one-off build), the entries of papers on topic pages are still made once: the topic
    downloads come first and keep theirs for the whole-literature files (only those: memory)."""
    if pieces is None:
        pieces = one_off_pieces(index)
    everything = [REVIEW_KEY, *(key for key, _ in index.papers)]
    for kind, items in (("mechanisms", index.mechanisms), ("strategies", index.strategies)):
        for slug, _ in items:
            keys = index.topic_papers(kind, slug)
            if keys:
                for ext, _ in EXPORT_FORMATS:
                    yield download_path(kind, slug, ext), joined(_WRITERS[ext](index, [REVIEW_KEY, *keys], pieces))
    for ext, _ in EXPORT_FORMATS:
        yield download_path("", "literature", ext), _WRITERS[ext](index, everything, pieces)
    yield download_path("", "reviewsite", "json"), dump_chunks(index, pieces)


def export_files(index: SiteIndex, pieces: Pieces | None = None) -> dict[str, bytes]:
    """Every export, keyed by its path in the docs folder."""
    return {rel: data if isinstance(data, bytes) else joined(data) for rel, data in export_items(index, pieces)}
