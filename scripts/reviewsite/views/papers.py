"""Paper pages, and the one row a paper gets wherever papers are listed."""

from __future__ import annotations

from typing import Any

from .. import prose
from ..biblio import (
    author_name,
    authors_short,
    bibtex_entry,
    citation_meta,
    citation_text,
    id_links,
    journal_of,
    ris_entry,
    year_of,
)
from ..model import CHECKED_TITLES, Record
from ..urls import PAPER_EXPORT_FORMATS, trial_href
from .common import Citations, Page, ViewContext, chips, external, finish, unique

KIND_TITLES = {"mechanisms": "Mechanism", "strategies": "Strategy", "overviews": "Overview", "": "Review summary"}


def paper_row(ctx: ViewContext, path: str, key: str) -> dict[str, Any]:
    """A paper as listed on the literature page and in further reading."""
    index = ctx.index
    paper = index.paper(key)
    rec = paper.record
    topics = index.topics[key]
    flag = index.flags.get(key)
    return {
        "key": key,
        "url": ctx.href(path, f"papers/{key}/"),
        "title": rec.title,
        "authors": authors_short(rec),
        "first_author": author_name(rec.authors[0]) if rec.authors else "",
        "year": year_of(rec),
        "journal": journal_of(rec),
        "relation_text": "; ".join(index.relation_title(r) for r in paper.relations) or index.relation_title(""),
        "relation_keys": " ".join(index.relation_keys(key)),
        "topics": [{"slug": t.slug, "title": t.title, "url": ctx.href(path, t.url)} for t in topics],
        "topic_keys": " ".join(t.key for t in topics),
        "types": "|".join(rec.publication_types),
        "tags": "|".join(paper.curation.tags),
        "flag": {"level": flag.level, "label": flag.label} if flag else None,
    }


_TYPES = {"bib": "application/x-bibtex", "ris": "application/x-research-info-systems"}


def saved_copies(key: str) -> list[dict[str, str]]:
    """The paper's BibTeX and RIS as files, saved by the page's script from the text the page shows
    (`#cite-bib`, `#cite-ris`; templates/assets/reviewsite.js); without the script the links lead to that
    text. No download file per paper: two per paper were two thirds of a large site's files (bench/README.md)."""
    return [{"label": label, "target": f"cite-{ext}", "file": f"{key}.{ext}", "type": _TYPES[ext]}
            for ext, label in PAPER_EXPORT_FORMATS]


def byline(record: Record, indexed: int = 3) -> dict[str, str]:
    """All authors, split so search indexes only the first few and the last (`hidden` is excluded from search)."""
    names = [author_name(a) for a in record.authors]
    if len(names) <= indexed + 1:
        return {"head": ", ".join(names), "hidden": "", "tail": ""}
    return {"head": ", ".join(names[:indexed]), "hidden": ", " + ", ".join(names[indexed:-1]),
            "tail": ", " + names[-1]}


def provenance(ctx: ViewContext, key: str) -> dict[str, Any]:
    """Where the record came from, as readers see it: fetched from PubMed on a date, or the public records
    a curator checked it against; a paper with neither is plainly "not yet identified"."""
    paper = ctx.index.paper(key)
    rec = paper.record
    checked = [{"title": CHECKED_TITLES[c.source], "url": c.url or "", "date": c.date} for c in paper.curation.checked]
    return {"fetched": rec.fetched or "", "checked": checked,
            "identified": bool(rec.pmid or rec.fetched or checked),
            "entered": bool(rec.pmid and not rec.fetched and not checked), "added": paper.curation.added or ""}


def _mentions(ctx: ViewContext, path: str, key: str) -> list[dict[str, Any]]:
    """Where a paper is cited: one entry per page, with its citing items (summary, evidence n, trial...)."""
    groups: dict[str, dict[str, Any]] = {}
    for m in ctx.index.mentions.get(key, []):
        group = groups.setdefault(m.page, {"title": m.title, "url": ctx.href(path, m.page),
                                           "kind": KIND_TITLES.get(m.kind, ""), "entries": []})
        target = f"{m.page}#{m.anchor}" if m.anchor else m.page
        group["entries"].append({"label": m.what, "url": ctx.href(path, target), "snippet": m.snippet})
    return list(groups.values())


def paper_page(ctx: ViewContext, key: str) -> Page:
    index = ctx.index
    paper = index.paper(key)
    rec = paper.record
    path = f"papers/{key}.md"
    cites = Citations(ctx, path)
    flag = index.flags.get(key)
    tags = unique(list(paper.curation.tags))
    data: dict[str, Any] = {
        "record": rec,
        "byline": byline(rec),
        "journal": rec.journal or journal_of(rec),
        "year": year_of(rec),
        "citation": citation_text(rec),
        "citekey": index.citekeys[key],
        "bibtex": bibtex_entry(index.citekeys[key], rec).rstrip("\n"),
        "ris": ris_entry(key, rec, citekey=index.citekeys[key]).rstrip("\n"),
        "downloads": saved_copies(key),
        "links": id_links(rec),
        "relations": [index.relation_title(r) for r in paper.relations],
        "abstract": [{"label": s.label, "text": s.text} for s in rec.abstract],
        "summary": cites.prose(paper.curation.summary),
        "chips": chips(ctx, path, tags=tags),
        "topics": [{"title": t.title, "url": ctx.href(path, t.url), "kind": KIND_TITLES[t.kind].lower()}
                   for t in index.topics[key]],
        "discussed": _mentions(ctx, path, key),
        "trials": [{"id": t, "href": trial_href(t)} for t in paper.curation.trials],
        "external": external(paper.curation.links),
        "literature_url": ctx.href(path, "literature/"),
        "review_url": ctx.href(path, ""),
        "provenance": provenance(ctx, key),
        "flag": _flag_notice(ctx, path, key) if flag else None,
    }
    description = paper.curation.summary or f"{authors_short(rec)} {journal_of(rec)} {year_of(rec)}".strip()
    page = Page(path=path, template="paper.md.j2", source=index.source("paper", key), title=rec.title,
                description=prose.plain(description, 200), citation=citation_meta(rec), data=data,
                updated=max(filter(None, [paper.curation.updated, rec.fetched, paper.curation.added]), default=None))
    return finish(page, cites)


def _flag_notice(ctx: ViewContext, path: str, key: str) -> dict[str, Any]:
    flag = ctx.index.flags[key]
    notice = flag.notice_pmid
    local = notice if notice and notice in ctx.index.content.papers else None
    return {"level": flag.level, "label": flag.label, "pmid": notice or "",
            "url": ctx.href(path, f"papers/{local}/") if local else
            (f"https://pubmed.ncbi.nlm.nih.gov/{notice}/" if notice else "")}


def pages(ctx: ViewContext) -> list[Page]:
    return [paper_page(ctx, key) for key, _ in ctx.index.papers]
