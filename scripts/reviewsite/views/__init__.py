"""Views: one module per page kind, each a function of the site index to page values (Pelican's one
generator per content kind over a shared context). `build_views` runs them all in site order."""

from __future__ import annotations

from . import about, home, literature, matrix, overviews, papers, topics, whatsnew
from .common import Page, ViewContext

GENERATORS = (home, topics, literature, matrix, about, whatsnew, overviews, papers)


def build_views(ctx: ViewContext) -> list[Page]:
    """The pure heart of the generator: the site index in, every page out."""
    out: list[Page] = []
    for generator in GENERATORS:
        out += generator.pages(ctx)
    return out


__all__ = ["Page", "ViewContext", "build_views"]
