"""An Atom feed of papers by the date they were added to the site, built with xml.etree (so always well-formed).

Deterministic: every date comes from the content (`curation.added`, else the paper's own publication date),
never from the clock; ids are name-based UUIDs; links are relative to the feed (it lives at the site root).
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from . import prose
from .biblio import author_name, citation_text
from .model import Paper
from .siteindex import SiteIndex

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_PATH = "feed.xml"
FEED_LIMIT = 100
_EPOCH = "1970-01-01"


def rfc3339(date: str) -> str:
    """`2026-11` -> `2026-11-01T00:00:00Z` (content dates are YYYY, YYYY-MM or YYYY-MM-DD)."""
    parts = date.split("-") + ["01", "01"]
    return f"{parts[0]}-{parts[1]}-{parts[2]}T00:00:00Z"


def added_date(paper: Paper, fallback: str | None = None) -> str:
    """When the paper joined the site; without a curated date, its publication date stands in."""
    return paper.curation.added or paper.record.epublished or paper.record.published or fallback or _EPOCH


def _uuid(site: str, *parts: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "reviewsite:" + ":".join([site, *parts])))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def atom_feed(index: SiteIndex, *, limit: int = FEED_LIMIT) -> bytes:
    rec = index.review.record
    site = rec.pmid or rec.doi or rec.title
    fallback = rec.published or rec.epublished
    dated = sorted(((rfc3339(added_date(p, fallback)), key) for key, p in index.papers),
                   key=lambda dk: (dk[0], dk[1]), reverse=True)[:limit]

    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _sub(feed, "title", f"New papers: {rec.title}")
    _sub(feed, "subtitle", "Papers added to the literature of this site, newest first.")
    _sub(feed, "id", _uuid(site, "feed"))
    _sub(feed, "updated", dated[0][0] if dated else rfc3339(fallback or _EPOCH))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=FEED_PATH)
    _sub(feed, "link", rel="alternate", type="text/html", href="literature/")
    author = _sub(feed, "author")
    _sub(author, "name", "Curators of this site")

    for updated, key in dated:
        paper = index.paper(key)
        entry = _sub(feed, "entry")
        _sub(entry, "title", paper.record.title)
        _sub(entry, "id", _uuid(site, "paper", key))
        _sub(entry, "updated", updated)
        _sub(entry, "link", rel="alternate", type="text/html", href=f"papers/{key}/")
        for a in paper.record.authors[:10]:
            _sub(_sub(entry, "author"), "name", author_name(a))
        for rel in index.relation_keys(key):
            _sub(entry, "category", term=rel, label=index.relation_title(rel))
        for topic in index.topics[key]:
            _sub(entry, "category", term=topic.key, label=topic.title)
        summary = prose.plain(paper.curation.summary, 500) if paper.curation.summary else ""
        _sub(entry, "summary", (summary + " " if summary else "") + citation_text(paper.record), type="text")

    ET.indent(feed, space=" ")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n").encode("utf-8")
