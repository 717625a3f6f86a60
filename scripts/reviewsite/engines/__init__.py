"""Engines: everything one static-site engine needs to know, in one module each.

The package hands every engine the same generated Markdown; what differs (front-matter keys, how to
run it, where it writes its search index and sitemap, the inline scripts it adds) lives in its module.
Nothing here imports an engine: each runs as a separate program, so one can be swapped for another.
"""

from __future__ import annotations

from ..errors import ReviewsiteError
from ..settings import ENGINES
from .base import Engine
from .mkdocs import MkDocs, ProperDocs
from .zensical import Zensical


def get_engine(name: str) -> Engine:
    engines: dict[str, type[Engine]] = {"mkdocs": MkDocs, "properdocs": ProperDocs, "zensical": Zensical}
    if name not in engines:
        raise ReviewsiteError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    return engines[name]()


__all__ = ["ENGINES", "Engine", "get_engine"]
