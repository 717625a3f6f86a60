"""The literature explorer: the newest papers as filterable, sortable rows, every paper as compact JSON
rows loaded on demand, the year chart and the downloads.

The page lists at most `literature_rows` papers (settings), so it does not grow with the literature; the
explorer script loads `literature/rows.json` when a reader filters, sorts or asks for more, and keeps
the filters and the sort in the URL.
"""

from __future__ import annotations

import json
from typing import Any

from .. import charts
from ..biblio import author_name, journal_of, year_of
from ..siteindex import NO_RELATION, NO_RELATION_TITLE
from ..urls import EXPORT_FORMATS, download_path
from .common import Page, ViewContext, downloads, newest, paper_dates

PATH = "literature/index.md"
ROWS_PATH = "literature/rows.json"
"""The compact JSON rows of every paper (docs-relative), read by templates/assets/literature.js."""
ROW_FIELDS = ("key", "title", "author", "year", "journal", "relations", "topics", "types", "tags", "flag")
"""Columns of a JSON row, in order (templates/assets/explorer.js reads them by these names)."""

# Colours that keep 3:1 against white (WCAG 1.4.11); the chart's table carries the same numbers.
SERIES_COLOURS = {"reference": "#0b63a8", "cites-review": "#00795c", "similar": "#b45309", NO_RELATION: "#8e3a80"}


def relation_series(ctx: ViewContext) -> list[charts.Series]:
    titles = {**ctx.index.relation_titles, NO_RELATION: NO_RELATION_TITLE}
    return [charts.Series(key, titles[key], colour) for key, colour in SERIES_COLOURS.items()]


def year_chart(ctx: ViewContext, ident: str) -> dict[str, Any] | None:
    series = relation_series(ctx)
    items = []
    for key, paper in ctx.index.papers:
        year = year_of(paper.record)
        relations = ctx.index.relation_keys(key)
        primary = next((s.key for s in series if s.key in relations), NO_RELATION)
        items.append((int(year) if year else None, primary))
    chart = charts.year_chart(items, series, ident=ident, title="Papers by year and relation to the review")
    if chart is None:
        return None
    return {"svg": chart.svg, "head": chart.head, "rows": chart.rows, "note": chart.note}


def literature_downloads(ctx: ViewContext, path: str, json_label: str) -> list[dict[str, str]]:
    out = downloads(ctx, path, "", "literature", EXPORT_FORMATS)
    out.append({"label": json_label, "ext": "json", "url": ctx.href(path, download_path("", "reviewsite", "json"))})
    return out


def relation_labels(ctx: ViewContext) -> dict[str, str]:
    """Relation key -> label, the papers cited only on this site included."""
    return {**ctx.index.relation_titles, NO_RELATION: NO_RELATION_TITLE}


def _values(ctx: ViewContext, key: str) -> dict[str, Any]:
    """One paper as the explorer sees it (the HTML row and the JSON row hold the same values)."""
    index = ctx.index
    paper = index.paper(key)
    rec = paper.record
    flag = index.flags.get(key)
    year = year_of(rec)
    return {"key": key, "title": rec.title, "author": author_name(rec.authors[0]) if rec.authors else "",
            "year": int(year) if year else None, "journal": journal_of(rec),
            "relations": index.relation_keys(key), "topics": [t.key for t in index.topics[key]],
            "types": list(rec.publication_types), "tags": list(paper.curation.tags),
            "flag": [flag.level, flag.label] if flag else None}


def literature_row(ctx: ViewContext, key: str) -> dict[str, Any]:
    """A row of the page's table: the values plus labels and links."""
    values = _values(ctx, key)
    labels = relation_labels(ctx)
    topics = ctx.index.topics[key]
    flag = values["flag"]
    return {**values, "url": ctx.href(PATH, f"papers/{key}/"), "year": values["year"] or "",
            "relation_chips": [{"key": r, "label": labels.get(r, NO_RELATION_TITLE)} for r in values["relations"]],
            "relation_keys": " ".join(values["relations"]),
            "topic_links": [{"title": t.title, "url": ctx.href(PATH, t.url)} for t in topics],
            "topic_keys": " ".join(values["topics"]), "types_attr": "|".join(values["types"]),
            "tags_attr": "|".join(values["tags"]),
            "flag": {"level": flag[0], "label": flag[1]} if flag else None}


def rows_json(ctx: ViewContext) -> bytes:
    """Every paper as a compact JSON row, in the page's order (newest first), with the labels rows share."""
    topics = {f"{kind}:{slug}": {"title": item.title, "url": ctx.href(PATH, f"{kind}/{slug}/")}
              for kind, items in (("mechanisms", ctx.index.mechanisms), ("strategies", ctx.index.strategies))
              for slug, item in items}
    rows = []
    for key, _ in ctx.index.papers:
        values = _values(ctx, key)
        rows.append([values[name] for name in ROW_FIELDS])
    data = {"version": 1, "fields": list(ROW_FIELDS), "papers": ctx.href(PATH, "papers/"),
            "relations": relation_labels(ctx), "topics": topics, "rows": rows}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def data_files(ctx: ViewContext) -> dict[str, bytes]:
    """Files of the docs folder that are not pages: the explorer's JSON rows."""
    return {ROWS_PATH: rows_json(ctx)}


def literature_page(ctx: ViewContext) -> Page:
    index = ctx.index
    limit = index.settings.literature_rows
    rows = [literature_row(ctx, key) for key, _ in index.papers[:limit]]
    years = [int(year) for _, p in index.papers if (year := year_of(p.record))]
    relations = [{"value": k, "label": v} for k, v in index.relation_titles.items()]
    relations.append({"value": NO_RELATION, "label": NO_RELATION_TITLE + " only"})
    topic_groups = [
        {"label": ctx.section(kind).title,
         "options": [{"value": f"{kind}:{slug}", "label": item.title} for slug, item in items]}
        for kind, items in (("mechanisms", index.mechanisms), ("strategies", index.strategies))
    ]
    types = sorted({t for _, p in index.papers for t in p.record.publication_types}, key=str.lower)
    tags = sorted({t for _, p in index.papers for t in p.curation.tags}, key=str.lower)
    section = ctx.section("literature")
    return Page(PATH, "literature.md.j2", "templates/literature.md.j2", section.title, section.description,
                {"rows": rows, "total": len(index.papers), "complete": len(rows) == len(index.papers),
                 "rows_url": ctx.href(PATH, ROWS_PATH), "page_size": limit,
                 "counts": index.counts(), "relations": relations, "topic_groups": topic_groups,
                 "types": types, "tags": tags, "year_min": min(years, default=""), "year_max": max(years, default=""),
                 "downloads": literature_downloads(ctx, PATH, "JSON data (mechanisms, strategies, papers)"),
                 "feed_url": ctx.href(PATH, "feed.xml"), "chart": year_chart(ctx, "rs-chart-literature"),
                 "intro": section.intro or ""}, updated=newest(paper_dates(index)))


def pages(ctx: ViewContext) -> list[Page]:
    return [literature_page(ctx)]
