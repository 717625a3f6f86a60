"""The evidence matrix: which strategy addresses which mechanism, and the evidence that links them."""

from __future__ import annotations

from typing import Any

from ..model import Evidence
from .common import Page, ViewContext


def _linked(ctx: ViewContext, items: list[Evidence], kind: str, slug: str) -> list[int]:
    """Numbers (1-based) of the evidence items citing a paper that informs the other side of the cell."""
    index = ctx.index
    return [i for i, ev in enumerate(items, 1)
            if any(any(t.kind == kind and t.slug == slug for t in index.topics[p]) for p in index.evidence_papers(ev))]


def _cell(ctx: ViewContext, path: str, mslug: str, sslug: str) -> dict[str, Any]:
    index = ctx.index
    m, s = index.item("mechanisms", mslug), index.item("strategies", sslug)
    addresses = mslug in s.addresses
    from_strategy = _linked(ctx, s.evidence, "mechanisms", mslug)
    from_mechanism = _linked(ctx, m.evidence, "strategies", sslug)
    count = len(from_strategy) + len(from_mechanism)
    target = (f"mechanisms/{mslug}/#evidence" if from_mechanism and not from_strategy
              else f"strategies/{sslug}/#evidence")
    label = (f"{s.title} addresses {m.title}" if addresses else f"{s.title}: not aimed at {m.title}")
    return {"addresses": addresses, "count": count, "url": ctx.href(path, target),
            "label": label + f"; {count} linked evidence item{'' if count == 1 else 's'}"}


def matrix_page(ctx: ViewContext) -> Page:
    index = ctx.index
    path = "matrix.md"
    rows = [{"title": m.title, "url": ctx.href(path, f"mechanisms/{mslug}/"),
             "cells": [_cell(ctx, path, mslug, sslug) for sslug, _ in index.strategies]}
            for mslug, m in index.mechanisms]
    columns = [{"title": s.title, "url": ctx.href(path, f"strategies/{slug}/"), "stage": index.stages[s.stage]}
               for slug, s in index.strategies]
    section = ctx.section("matrix")
    return Page(path, "matrix.md.j2", "templates/matrix.md.j2", section.title, section.description,
                {"rows": rows, "columns": columns, "intro": section.intro or ""})


def pages(ctx: ViewContext) -> list[Page]:
    return [matrix_page(ctx)]
