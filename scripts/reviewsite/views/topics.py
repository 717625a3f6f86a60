"""Mechanism and strategy pages, and their two section indexes: one topic view for both kinds."""

from __future__ import annotations

from typing import Any

from .. import prose
from ..urls import EXPORT_FORMATS, trial_href
from .common import (
    Citations,
    Page,
    ViewContext,
    chips,
    downloads,
    evidence_items,
    external,
    finish,
    item_dates,
    newest,
    unique,
)
from .papers import paper_row

FURTHER_READING = 20
"""Curated papers listed on a topic page; the rest through the literature page, so pages do not grow with N."""


def strategy_links(ctx: ViewContext, path: str, slugs: list[str]) -> list[dict[str, str]]:
    out = []
    for slug in slugs:
        s = ctx.index.item("strategies", slug)
        out.append({"title": s.title, "url": ctx.href(path, f"strategies/{slug}/"), "stage": ctx.index.stages[s.stage]})
    return out


def mechanism_links(ctx: ViewContext, path: str, slugs: list[str]) -> list[dict[str, str]]:
    out = []
    for slug in slugs:
        m = ctx.index.content.mechanisms.get(slug)
        if m is not None:
            out.append({"title": m.title, "url": ctx.href(path, f"mechanisms/{slug}/"),
                        "category": ctx.index.categories[m.category]})
    return out


def _further_reading(ctx: ViewContext, path: str, kind: str, slug: str, cited: set[str]) -> dict[str, Any]:
    """Papers curators tagged with this topic but not cited in its text: the newest FURTHER_READING, and a
    link to the literature filtered on the topic for the rest."""
    keys = [key for key in ctx.index.curated(kind, slug) if key not in cited]
    more = len(keys) - FURTHER_READING
    return {
        "papers": [paper_row(ctx, path, key) for key in keys[:FURTHER_READING]],
        "papers_more": {"count": more, "url": ctx.href(path, f"literature/?topic={kind}:{slug}")} if more > 0 else None,
    }


def _neighbours(ctx: ViewContext, path: str, kind: str, slug: str) -> dict[str, Any]:
    """Previous and next page of the section, and the breadcrumb back to it (these pages are out of the nav)."""
    items = ctx.index.mechanisms if kind == "mechanisms" else ctx.index.strategies
    slugs = [s for s, _ in items]
    i = slugs.index(slug)
    prev_slug = slugs[i - 1] if i > 0 else None
    next_slug = slugs[i + 1] if i + 1 < len(slugs) else None
    section = ctx.section(kind)

    def link(s: str | None) -> dict[str, str] | None:
        return {"title": ctx.index.item(kind, s).title, "url": ctx.href(path, f"{kind}/{s}/")} if s else None

    return {"previous": link(prev_slug), "next": link(next_slug),
            "section": {"title": section.title, "url": ctx.href(path, f"{kind}/")},
            "home": {"title": "Home", "url": ctx.href(path, "")}}


def topic_page(ctx: ViewContext, kind: str, slug: str) -> Page:
    """A mechanism or a strategy: summary, evidence, what it links to, further reading, references."""
    item = ctx.index.item(kind, slug)
    path = f"{kind}/{slug}.md"
    cites = Citations(ctx, path)
    summary = cites.prose(item.summary)
    data: dict[str, Any] = {
        "chips": chips(ctx, path, diseases=item.diseases, antigens=item.antigens, products=item.products),
        "summary": summary,
        "external": external(item.links),
        "matrix_url": ctx.href(path, "matrix/"),
        "nav": _neighbours(ctx, path, kind, slug),
        "singular": ctx.section(kind).singular or "",
    }
    if kind == "mechanisms":
        data["category"] = ctx.index.categories[item.category]
        data["category_url"] = ctx.href(path, f"mechanisms/#{item.category}")
        data["evidence"] = evidence_items(ctx, cites, item.evidence)
        data["strategies"] = strategy_links(ctx, path, ctx.index.addressed_by.get(slug, []))
    else:
        data["stage"] = ctx.index.stages[item.stage]
        data["mechanisms"] = mechanism_links(ctx, path, item.addresses)
        data["trials"] = [{"id": t.id, "name": t.name or "", "href": trial_href(t.id), "cites": cites.marker(t.cites)}
                          for t in item.trials]
        data["evidence"] = evidence_items(ctx, cites, item.evidence)
    data.update(_further_reading(ctx, path, kind, slug, set(cites.citer.order)))
    has_papers = bool(ctx.index.topic_papers(kind, slug))
    data["downloads"] = downloads(ctx, path, kind, slug, EXPORT_FORMATS) if has_papers else []
    page = Page(path=path, template="mechanism.md.j2" if kind == "mechanisms" else "strategy.md.j2",
                source=ctx.index.source("mechanism" if kind == "mechanisms" else "strategy", slug),
                title=item.title, description=prose.plain(item.summary, 200), search_boost=2, data=data,
                updated=newest([item.added, item.updated]))
    return finish(page, cites)


def mechanism_groups(ctx: ViewContext, path: str) -> list[dict[str, Any]]:
    """Mechanisms by category, in the settings' category order."""
    groups = []
    for cat, title in ctx.index.categories.items():
        entries = [{"title": m.title, "url": ctx.href(path, f"mechanisms/{slug}/"),
                    "summary": prose.plain(m.summary, 220), "diseases": ", ".join(m.diseases),
                    "strategies": strategy_links(ctx, path, ctx.index.addressed_by.get(slug, [])),
                    "evidence": len(m.evidence)}
                   for slug, m in ctx.index.mechanisms if m.category == cat]
        if entries:
            groups.append({"key": cat, "title": title, "entries": entries})
    return groups


def strategy_card(ctx: ViewContext, path: str, slug: str) -> dict[str, Any]:
    s = ctx.index.item("strategies", slug)
    return {"title": s.title, "url": ctx.href(path, f"strategies/{slug}/"), "stage": ctx.index.stages[s.stage],
            "summary": prose.plain(s.summary, 220), "mechanisms": mechanism_links(ctx, path, s.addresses),
            "evidence": len(s.evidence)}


def _section_page(ctx: ViewContext, name: str, template: str, data: dict[str, Any]) -> Page:
    section = ctx.section(name)
    path = f"{name}/index.md"
    intro = section.intro or ""
    items = ctx.index.mechanisms if name == "mechanisms" else ctx.index.strategies
    return Page(path, template, f"templates/{template}", section.title, section.description,
                {**data, "intro": intro, "matrix_url": ctx.href(path, "matrix/")}, updated=newest(item_dates(items)))


def mechanisms_index(ctx: ViewContext) -> Page:
    return _section_page(ctx, "mechanisms", "mechanisms.md.j2",
                         {"groups": mechanism_groups(ctx, "mechanisms/index.md")})


def strategies_index(ctx: ViewContext) -> Page:
    path = "strategies/index.md"
    by_stage = []
    for stage, title in ctx.index.stages.items():
        entries = [strategy_card(ctx, path, slug) for slug, s in ctx.index.strategies if s.stage == stage]
        if entries:
            by_stage.append({"key": stage, "title": title, "entries": entries})
    return _section_page(ctx, "strategies", "strategies.md.j2", {"stages": by_stage})


def pages(ctx: ViewContext) -> list[Page]:
    out = [mechanisms_index(ctx), strategies_index(ctx)]
    out += [topic_page(ctx, "mechanisms", slug) for slug, _ in ctx.index.mechanisms]
    out += [topic_page(ctx, "strategies", slug) for slug, _ in ctx.index.strategies]
    return out


__all__ = ["FURTHER_READING", "mechanism_groups", "pages", "strategy_card", "topic_page", "unique"]
