"""The about page and the tags index: how the site is made and cited, and every tag with its pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from .common import Page, ViewContext, site_updated, tag_anchor
from .literature import literature_downloads


def site_citation(ctx: ViewContext, updated: str | None) -> dict[str, Any] | None:
    """How to cite this site (settings `citation`, the facts of CITATION.cff), as one reference line."""
    cite = ctx.index.settings.citation
    if cite is None:
        return None
    text = f"{', '.join(cite.authors)}. {cite.title} [Internet]."
    if updated:
        text += f" Updated {updated}."
    text += f" Available from: {cite.url}"
    cff = f"{ctx.repo_url.rstrip('/')}/blob/{ctx.edit_branch}/{cite.cff}" if ctx.repo_url and cite.cff else ""
    return {"text": text, "url": cite.url, "cff": cite.cff or "", "cff_url": cff}


def about_page(ctx: ViewContext) -> Page:
    path = "about.md"
    settings = ctx.index.settings
    section = ctx.section("about")
    licence = settings.licence
    updated = site_updated(ctx.index)
    return Page(path, "about.md.j2", "templates/about.md.j2", section.title, section.description,
                {"repo_url": ctx.repo_url or "", "counts": ctx.index.counts(),
                 "downloads": literature_downloads(ctx, path, "JSON data"), "feed_url": ctx.href(path, "feed.xml"),
                 "curators": list(settings.curators), "citation": site_citation(ctx, updated),
                 "review_cite_url": ctx.href(path, "#cite"), "whats_new_url": ctx.href(path, "whats-new/"),
                 "licence": {"name": licence.name, "url": licence.url or ""} if licence else None},
                updated=updated)


TAG_PAPERS = 10
"""Papers a tag lists on the tags page (newest first); the rest are one link away, in the literature
explorer filtered by the tag, so the page does not grow with the literature."""


def _tag_pages(ctx: ViewContext) -> dict[str, dict[str, Any]]:
    """Tag anchor -> its name, the topic pages that carry it (in site order) and the keys of its papers."""
    index = ctx.index
    tags: dict[str, dict[str, Any]] = {}

    def entry(name: str) -> dict[str, Any]:
        return tags.setdefault(tag_anchor(name), {"name": name, "pages": [], "papers": []})

    for kind, label, items in (("mechanisms", ctx.section("mechanisms").singular or "Mechanism", index.mechanisms),
                               ("strategies", ctx.section("strategies").singular or "Strategy", index.strategies)):
        for slug, item in items:
            for name in [*item.diseases, *item.antigens, *item.products]:
                page = {"title": item.title, "url": f"{kind}/{slug}/", "kind": label}
                if page not in entry(name)["pages"]:
                    entry(name)["pages"].append(page)
    for key, paper in index.papers:
        for name in dict.fromkeys(paper.curation.tags):
            entry(name)["papers"].append(key)
    return tags


def tags_page(ctx: ViewContext, papers_per_tag: int = TAG_PAPERS) -> Page:
    path = "tags.md"
    entries = []
    for anchor, entry in sorted(_tag_pages(ctx).items(), key=lambda kv: kv[1]["name"].lower()):
        papers = entry["papers"]
        pages = [{**p, "url": ctx.href(path, p["url"])} for p in entry["pages"]]
        pages += [{"title": ctx.index.paper(key).record.title, "url": ctx.href(path, f"papers/{key}/"), "kind": "Paper"}
                  for key in papers[:papers_per_tag]]
        more = None
        if len(papers) > papers_per_tag:
            more = {"count": len(papers) - papers_per_tag, "total": len(papers),
                    "url": ctx.href(path, "literature/?" + urlencode({"tag": entry["name"]}))}
        entries.append({"anchor": anchor, "name": entry["name"], "count": len(entry["pages"]) + len(papers),
                        "pages": pages, "more": more})
    section = ctx.section("tags")
    return Page(path, "tags.md.j2", "templates/tags.md.j2", section.title, section.description,
                {"tags": entries, "intro": section.intro or ""}, updated=site_updated(ctx.index))


def pages(ctx: ViewContext) -> list[Page]:
    return [tags_page(ctx), about_page(ctx)]
