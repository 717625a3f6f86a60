"""What every view shares: the page value, the context views read, numbered citations, chips, downloads.

Views turn the site index into plain data (dicts and lists of strings, with HTML fragments already
sanitised) so that templates only loop and branch. Nothing here reads files or knows about an engine.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from .. import prose
from ..biblio import citation_text, id_links
from ..model import Evidence, Link
from ..siteindex import SiteIndex
from ..urls import Linker, download_path, slugify, url_of


@dataclass
class Page:
    """One generated page: where it goes, which template renders it, its data, and engine-neutral meta."""

    path: str
    template: str
    source: str
    title: str
    description: str
    data: dict[str, Any] = field(default_factory=dict)
    search_boost: float | None = None
    citation: list[tuple[str, str]] = field(default_factory=list)
    updated: str | None = None

    @property
    def url(self) -> str:
        return url_of(self.path)


@dataclass
class ViewContext:
    """What views read: the index, how to link, and where the sources live."""

    index: SiteIndex
    linker: Linker = field(default_factory=Linker)
    repo_url: str | None = None
    edit_branch: str = "main"

    def href(self, page_path: str, to: str) -> str:
        return self.linker.href(page_path, to)

    def section(self, name: str) -> Any:
        return getattr(self.index.settings.sections, name)


class Citations:
    """Numbered citations of one page: markers with a tooltip in the text, the reference list at the end."""

    def __init__(self, ctx: ViewContext, page_path: str):
        self.ctx = ctx
        self.page_path = page_path
        self.citer = prose.Citer(resolve=ctx.index.resolve, render_marker=self._marker)

    def _marker(self, citer: prose.Citer, refs: list[prose.Reference]) -> str:
        out = []
        for ref in refs:
            tip = html.escape(citation_text(self.ctx.index.paper(ref.key).record))
            flag = self.ctx.index.flags.get(ref.key)
            mark = f' <span class="rs-flag rs-flag--{flag.level}">{html.escape(flag.label)}</span>' if flag else ""
            cls = f"rs-cite rs-cite--{flag.level}" if flag else "rs-cite"
            out.append(f'<a class="{cls}" href="#ref-{ref.number}">{ref.number}<span class="rs-tip" role="tooltip" '
                       f'data-search-exclude data-pagefind-ignore>{tip}{mark}</span></a>')
        return '<sup class="rs-cites">[' + ", ".join(out) + "]</sup>"

    def prose(self, text: str | None) -> Markup | str:
        return Markup(prose.render(text, self.citer)) if text else ""

    def marker(self, keys: list[str] | tuple[str, ...]) -> Markup:
        return Markup(self.citer.marker(keys))

    def references(self) -> list[dict[str, Any]]:
        refs = []
        for number, key in enumerate(self.citer.order, 1):
            record = self.ctx.index.paper(key).record
            flag = self.ctx.index.flags.get(key)
            refs.append({"number": number, "text": citation_text(record),
                         "url": self.ctx.href(self.page_path, f"papers/{key}/"), "links": id_links(record),
                         "flag": {"level": flag.level, "label": flag.label} if flag else None})
        return refs


def finish(page: Page, cites: Citations) -> Page:
    """Every page that cites papers ends with its reference list."""
    page.data["references"] = cites.references()
    return page


def evidence_items(ctx: ViewContext, cites: Citations, items: list[Evidence]) -> list[dict[str, Any]]:
    kinds = ctx.index.evidence_kinds
    return [{"n": i, "finding": cites.prose(ev.finding), "cites": cites.marker(ev.cites),
             "kind": kinds.get(ev.kind, "") if ev.kind else "", "context": ev.context or ""}
            for i, ev in enumerate(items, 1)]


def external(links: list[Link]) -> list[dict[str, str]]:
    """Curated outside links: URLs validated as https at load, titles escaped by the template."""
    return [{"title": link.title, "url": link.url} for link in links]


def tag_url(name: str) -> str:
    return f"tags/#{tag_anchor(name)}"


def tag_anchor(name: str) -> str:
    return "tag-" + slugify(name)


def chips(ctx: ViewContext, path: str, **groups: list[str]) -> list[dict[str, str]]:
    """Labelled links to the tags index: `diseases=[...]`, `antigens=[...]`, `products=[...]`, `tags=[...]`."""
    labels = {"diseases": ("disease", "Disease"), "antigens": ("antigen", "Target antigen"),
              "products": ("product", "Product"), "tags": ("tag", "Tag")}
    out = []
    for group, names in groups.items():
        kind, label = labels[group]
        for name in names:
            out.append({"name": name, "kind": kind, "label": label, "url": ctx.href(path, tag_url(name))})
    return out


def downloads(ctx: ViewContext, path: str, kind: str, key: str,
              formats: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"label": label, "ext": ext, "url": ctx.href(path, download_path(kind, key, ext))}
            for ext, label in formats]


def newest(dates: Iterable[str | None]) -> str | None:
    """The latest of some content dates (ISO dates compare as strings), or None: a page's "last updated"
    comes from its content's `added`/`updated`/`fetched` fields, never from the build clock."""
    return max((d for d in dates if d), default=None)


def item_dates(items: Iterable[tuple[str, Any]]) -> list[str | None]:
    """`added` and `updated` of mechanisms, strategies or overviews, for `newest`."""
    return [d for _, item in items for d in (item.added, item.updated)]


def paper_dates(index: Any) -> list[str | None]:
    """`added`, `updated` and `fetched` of every paper, for `newest`."""
    return [d for _, p in index.papers for d in (p.curation.added, p.curation.updated, p.record.fetched)]


def site_updated(index: Any) -> str | None:
    """The newest date anywhere in the content: when the site as a whole (or a listing of it) last changed."""
    return newest([index.review.updated, index.review.record.fetched, *paper_dates(index),
                   *item_dates([*index.mechanisms, *index.strategies, *index.overviews])])


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
