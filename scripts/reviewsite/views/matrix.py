"""The evidence matrix: which strategy addresses which mechanism, and the evidence items that link them.

A cell's number is the length of the list it opens: each cell links to its own entry under "Evidence by
mechanism" on the same page, which lists exactly the counted items, each linking to the item itself
(`mechanisms/x/#evidence-3`). An item counts when it cites (`index.evidence_papers`) a paper that
informs the other side of the cell; an item whose only such papers are retracted is listed apart, as
not counted, and the cell says so.
"""

from __future__ import annotations

from typing import Any

from .. import prose
from ..model import Evidence
from .common import Page, ViewContext, item_dates, newest

SNIPPET = 120
"""Characters of a finding shown in the per-cell lists."""


def pair_anchor(mslug: str, sslug: str) -> str:
    return f"pair-{mslug}--{sslug}"


def _informs(ctx: ViewContext, paper: str, kind: str, slug: str) -> bool:
    return any(t.kind == kind and t.slug == slug for t in ctx.index.topics[paper])


def _linked(ctx: ViewContext, path: str, where: tuple[str, str], items: list[Evidence],
            other: tuple[str, str]) -> list[dict[str, Any]]:
    """The items of one page (`where`: kind, slug) that cite a paper informing `other` (kind, slug)."""
    index = ctx.index
    kind, slug = where
    title = index.item(kind, slug).title
    out = []
    for n, ev in enumerate(items, 1):
        papers = [p for p in index.evidence_papers(ev) if _informs(ctx, p, *other)]
        if not papers:
            continue
        retracted = [p for p in papers if (flag := index.flags.get(p)) is not None and flag.level == "retracted"]
        out.append({"url": ctx.href(path, f"{kind}/{slug}/#evidence-{n}"), "page": title, "n": n,
                    "on": "strategy" if kind == "strategies" else "mechanism",
                    "kind": index.evidence_kinds.get(ev.kind, ""), "context": ev.context,
                    "snippet": prose.plain(ev.finding, SNIPPET),
                    "counted": len(retracted) < len(papers), "retracted": bool(retracted)})
    return out


def _label(m: str, s: str, addresses: bool, count: int, uncounted: int) -> str:
    """What a cell says to a screen reader (and in its hover title)."""
    aim = f"{s} is aimed at {m}" if addresses else f"{s} is not aimed at {m}"
    found = (f"{count} evidence item{'' if count == 1 else 's'} link{'s' if count == 1 else ''} them" if count
             else "no evidence item on this site links them yet")
    extra = f"; {uncounted} more rest{'s' if uncounted == 1 else ''} only on retracted papers, not counted" \
        if uncounted else ""
    return f"{aim}; {found}{extra}"


def _pair(ctx: ViewContext, path: str, mslug: str, sslug: str) -> dict[str, Any]:
    """One cell of the grid and its entry in the per-mechanism lists: the same items, counted once."""
    index = ctx.index
    m, s = index.item("mechanisms", mslug), index.item("strategies", sslug)
    addresses = mslug in s.addresses
    items = (_linked(ctx, path, ("strategies", sslug), s.evidence, ("mechanisms", mslug))
             + _linked(ctx, path, ("mechanisms", mslug), m.evidence, ("strategies", sslug)))
    counted = [i for i in items if i["counted"]]
    uncounted = [i for i in items if not i["counted"]]
    anchor = pair_anchor(mslug, sslug)
    return {"addresses": addresses, "count": len(counted), "uncounted": len(uncounted),
            "linked": bool(addresses or items), "anchor": anchor, "url": "#" + anchor,
            "label": _label(m.title, s.title, addresses, len(counted), len(uncounted)),
            "strategy": {"title": s.title, "url": ctx.href(path, f"strategies/{sslug}/"),
                         "stage": index.stages[s.stage]},
            "evidence": counted, "not_counted": uncounted}


def matrix_page(ctx: ViewContext) -> Page:
    index = ctx.index
    path = "matrix.md"
    columns = [{"n": n, "title": s.title, "url": ctx.href(path, f"strategies/{slug}/"), "stage": index.stages[s.stage]}
               for n, (slug, s) in enumerate(index.strategies, 1)]
    rows = []
    for mslug, m in index.mechanisms:
        cells = [_pair(ctx, path, mslug, sslug) for sslug, _ in index.strategies]
        rows.append({"title": m.title, "url": ctx.href(path, f"mechanisms/{mslug}/"), "anchor": f"mechanism-{mslug}",
                     "category": index.categories[m.category], "cells": cells,
                     "pairs": [c for c in cells if c["linked"]]})
    section = ctx.section("matrix")
    return Page(path, "matrix.md.j2", "templates/matrix.md.j2", section.title, section.description,
                {"rows": rows, "columns": columns, "intro": section.intro or ""},
                updated=newest(item_dates([*index.mechanisms, *index.strategies])))


def pages(ctx: ViewContext) -> list[Page]:
    return [matrix_page(ctx)]
