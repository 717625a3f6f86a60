"""The literature explorer: every paper as a filterable, sortable row, the year chart and the downloads."""

from __future__ import annotations

from typing import Any

from .. import charts
from ..biblio import year_of
from ..siteindex import NO_RELATION, NO_RELATION_TITLE
from ..urls import EXPORT_FORMATS, download_path
from .common import Page, ViewContext, downloads
from .papers import paper_row

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


def literature_page(ctx: ViewContext) -> Page:
    index = ctx.index
    path = "literature/index.md"
    rows = [paper_row(ctx, path, key) for key, _ in index.papers]
    years = [int(r["year"]) for r in rows if r["year"]]
    relations = [{"value": k, "label": v} for k, v in index.relation_titles.items()]
    relations.append({"value": NO_RELATION, "label": NO_RELATION_TITLE + " only"})
    topic_groups = [
        {"label": ctx.section(kind).title,
         "options": [{"value": f"{kind}:{slug}", "label": item.title} for slug, item in items]}
        for kind, items in (("mechanisms", index.mechanisms), ("strategies", index.strategies))
    ]
    types = sorted({t for _, p in index.papers for t in p.record.publication_types}, key=str.lower)
    section = ctx.section("literature")
    return Page(path, "literature.md.j2", "templates/literature.md.j2", section.title, section.description,
                {"rows": rows, "counts": index.counts(), "relations": relations, "topic_groups": topic_groups,
                 "types": types, "year_min": min(years, default=""), "year_max": max(years, default=""),
                 "downloads": literature_downloads(ctx, path, "JSON data (mechanisms, strategies, papers)"),
                 "feed_url": ctx.href(path, "feed.xml"), "chart": year_chart(ctx, "rs-chart-literature"),
                 "intro": section.intro or ""})


def pages(ctx: ViewContext) -> list[Page]:
    return [literature_page(ctx)]
