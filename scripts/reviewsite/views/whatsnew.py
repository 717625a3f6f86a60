"""What's new: papers added and pages changed, newest first, grouped by month, from content dates only
(`added`, `updated`, `record.fetched`), never the build clock, so builds stay reproducible."""

from __future__ import annotations

from typing import Any

from ..biblio import authors_short, journal_of, year_of
from .common import Page, ViewContext, site_updated

HOME_LATEST = 5
"""How many of the newest changes the home page lists."""
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def month_title(date: str) -> str:
    year, _, rest = date.partition("-")
    return f"{_MONTHS[int(rest[:2]) - 1]} {year}" if rest else year


def changes(ctx: ViewContext) -> list[dict[str, Any]]:
    """Every dated change, newest first: (date, what, title, url, detail)."""
    index = ctx.index
    out: list[dict[str, Any]] = []
    for key, paper in index.papers:
        rec, cur = paper.record, paper.curation
        detail = " ".join(x for x in (authors_short(rec), journal_of(rec), year_of(rec)) if x)
        if cur.added:
            out.append({"date": cur.added, "what": "Paper added", "title": rec.title, "to": f"papers/{key}/",
                        "detail": detail})
        if cur.updated and cur.updated != cur.added:
            out.append({"date": cur.updated, "what": "Summary updated", "title": rec.title, "to": f"papers/{key}/",
                        "detail": detail})
        if rec.fetched and cur.added and rec.fetched > cur.added:
            out.append({"date": rec.fetched, "what": "Record updated from PubMed", "title": rec.title,
                        "to": f"papers/{key}/", "detail": detail})
    for kind, items in (("mechanisms", index.mechanisms), ("strategies", index.strategies),
                        ("overviews", index.overviews)):
        singular = (ctx.section(kind).singular if kind != "overviews" else None) or kind[:-1].capitalize()
        for slug, item in items:
            if item.added:
                out.append({"date": item.added, "what": f"{singular} added", "title": item.title,
                            "to": f"{kind}/{slug}/", "detail": ""})
            if item.updated and item.updated != item.added:
                out.append({"date": item.updated, "what": f"{singular} updated", "title": item.title,
                            "to": f"{kind}/{slug}/", "detail": ""})
    if index.review.updated:
        out.append({"date": index.review.updated, "what": "Summary of the review updated",
                    "title": index.review.record.title, "to": "", "detail": ""})
    return sorted(out, key=lambda c: (c["date"], c["to"], c["what"]), reverse=True)


def since_review(ctx: ViewContext) -> dict[str, Any]:
    """How much of the literature here appeared after the review itself."""
    index = ctx.index
    published = year_of(index.review.record)
    later = [key for key, p in index.papers if published and year_of(p.record) and year_of(p.record) > published]
    citing = [key for key in later if "cites-review" in index.paper(key).relations]
    return {"year": published, "papers": len(later), "citing": len(citing)}


def whats_new_page(ctx: ViewContext) -> Page:
    path = "whats-new.md"
    months: dict[str, dict[str, Any]] = {}
    for change in changes(ctx):
        month = change["date"][:7]
        group = months.setdefault(month, {"key": month, "title": month_title(month), "entries": []})
        group["entries"].append({**change, "url": ctx.href(path, change["to"])})
    section = ctx.section("whats_new")
    return Page(path, "whats-new.md.j2", "templates/whats-new.md.j2", section.title, section.description,
                {"months": list(months.values()), "since": since_review(ctx), "intro": section.intro or "",
                 "feed_url": ctx.href(path, "feed.xml")}, updated=site_updated(ctx.index))


def latest(ctx: ViewContext, path: str) -> list[dict[str, Any]]:
    """The newest few changes, for the home page."""
    return [{**c, "url": ctx.href(path, c["to"])} for c in changes(ctx)[:HOME_LATEST]]


def pages(ctx: ViewContext) -> list[Page]:
    return [whats_new_page(ctx)]
