"""The home page: the review as PubMed shows it (whose, where, identifiers), our summary, the map of the site."""

from __future__ import annotations

from typing import Any

from .. import charts, prose
from ..biblio import author_name, citation_text, doi_url, journal_of, year_of
from ..model import Record
from .common import Citations, Page, ViewContext, finish, item_dates, newest
from .literature import year_chart
from .topics import mechanism_groups, strategy_card, strategy_links
from .whatsnew import latest


def diagram(ctx: ViewContext, path: str) -> dict[str, Any] | None:
    index = ctx.index
    if not index.mechanisms or not index.strategies:
        return None
    left = [charts.Node(slug, m.title, ctx.href(path, f"mechanisms/{slug}/"), index.categories[m.category])
            for slug, m in index.mechanisms]
    right = [charts.Node(slug, s.title, ctx.href(path, f"strategies/{slug}/"), index.stages[s.stage])
             for slug, s in index.strategies]
    edges = [(m, slug) for slug, s in index.strategies for m in s.addresses]
    svg = charts.flow_diagram(left, right, edges, ident="rs-diagram", title="Which strategies address which mechanisms",
                              left_heading="Mechanisms", right_heading="Strategies")
    rows = [{"title": m.title, "url": ctx.href(path, f"mechanisms/{slug}/"),
             "strategies": strategy_links(ctx, path, index.addressed_by.get(slug, []))}
            for slug, m in index.mechanisms]
    return {"svg": svg, "rows": rows}


def overview_cards(ctx: ViewContext, path: str) -> list[dict[str, str]]:
    return [{"title": o.title, "url": ctx.href(path, f"overviews/{slug}/"), "summary": prose.plain(o.summary, 220)}
            for slug, o in ctx.index.overviews]


def source_line(record: Record) -> str:
    """Where the review appeared, as PubMed writes it: `Nat Rev Clin Oncol. 2019;16(6):372-385.`"""
    where = year_of(record)
    if record.volume:
        where += f";{record.volume}" + (f"({record.issue})" if record.issue else "")
    if record.pages:
        where += f":{record.pages}"
    parts = [p for p in (journal_of(record), where) if p]
    return ". ".join(parts) + "." if parts else ""


def identifiers(record: Record) -> list[dict[str, str]]:
    """PMID, PMCID and DOI, each labelled and linked as on PubMed, then Europe PMC."""
    out = []
    if record.pmid:
        out.append({"label": "PMID", "value": record.pmid, "href": f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/"})
    if record.pmcid:
        out.append({"label": "PMCID", "value": record.pmcid,
                    "href": f"https://pmc.ncbi.nlm.nih.gov/articles/{record.pmcid}/"})
    if record.doi:
        out.append({"label": "DOI", "value": record.doi, "href": doi_url(record.doi)})
    if record.pmid or record.pmcid:
        ref = f"MED/{record.pmid}" if record.pmid else f"PMC/{record.pmcid}"
        out.append({"label": "Europe PMC", "value": "record", "href": f"https://europepmc.org/article/{ref}"})
    return out


def _updated(ctx: ViewContext) -> str | None:
    """The home page shows the review's summary and a card per mechanism, strategy and overview."""
    index = ctx.index
    return newest([index.review.updated, index.review.record.fetched,
                   *item_dates([*index.mechanisms, *index.strategies, *index.overviews])])


def home_page(ctx: ViewContext) -> Page:
    index = ctx.index
    path = "index.md"
    cites = Citations(ctx, path)
    rec = index.review.record
    page = Page(
        path=path, template="home.md.j2", source=index.source("review", "review"), title=rec.title,
        description=prose.plain(" ".join(s.text for s in rec.abstract) or rec.title, 200),
        updated=_updated(ctx),
        data={
            "record": rec,
            "authors": ", ".join(author_name(a) for a in rec.authors),
            "journal": rec.journal or journal_of(rec),
            "journal_abbrev": journal_of(rec),
            "year": year_of(rec),
            "source": source_line(rec),
            "citation": citation_text(rec),
            "identifiers": identifiers(rec),
            "about_cite_url": ctx.href(path, "about/#cite"),
            "abstract": [{"label": s.label, "text": s.text} for s in rec.abstract],
            "key_points": [cites.prose(p) for p in index.review.key_points],
            "overview": cites.prose(index.review.overview),
            "overviews": overview_cards(ctx, path),
            "groups": mechanism_groups(ctx, path),
            "strategies": [strategy_card(ctx, path, slug) for slug, _ in index.strategies],
            "counts": index.counts(),
            "diagram": diagram(ctx, path),
            "chart": year_chart(ctx, "rs-chart-home"),
            "literature_url": ctx.href(path, "literature/"),
            "matrix_url": ctx.href(path, "matrix/"),
            "latest": latest(ctx, path),
            "whats_new_url": ctx.href(path, "whats-new/"),
            "sections": {name: ctx.section(name).title for name in ("mechanisms", "strategies", "literature")},
        },
    )
    return finish(page, cites)


def pages(ctx: ViewContext) -> list[Page]:
    return [home_page(ctx)]
