"""Overview pages: prose that draws the mechanisms together (patterns of failure...), with its evidence."""

from __future__ import annotations

from .. import prose
from .common import Citations, Page, ViewContext, evidence_items, external, finish


def overview_page(ctx: ViewContext, slug: str) -> Page:
    item = ctx.index.item("overviews", slug)
    path = f"overviews/{slug}.md"
    cites = Citations(ctx, path)
    data = {
        "summary": cites.prose(item.summary),
        "sections": [{"heading": s.heading, "body": cites.prose(s.body), "n": i}
                     for i, s in enumerate(item.sections, 1)],
        "evidence": evidence_items(ctx, cites, item.evidence),
        "external": external(item.links),
        "home_url": ctx.href(path, ""),
    }
    page = Page(path=path, template="overview.md.j2", source=ctx.index.source("overview", slug), title=item.title,
                description=prose.plain(item.summary, 200), search_boost=2, data=data,
                updated=item.updated or item.added)
    return finish(page, cites)


def pages(ctx: ViewContext) -> list[Page]:
    return [overview_page(ctx, slug) for slug, _ in ctx.index.overviews]
