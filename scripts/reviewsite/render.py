"""Page views -> Markdown text through Jinja templates; files.py writes them, the engine builds them."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from . import search, yamlemit
from .engines import Engine
from .views import Page

_BLANK_RUNS = re.compile(r"\n{3,}")


def environment(templates: Path) -> Environment:
    """One environment: autoescape on for every template (they emit HTML blocks), strict undefined."""
    return Environment(
        loader=FileSystemLoader(str(templates), followlinks=False),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def front_matter(page: Page, engine: Engine) -> Markup:
    """YAML front matter built by a serializer from escaped values: nothing can break out of it.

    Engines print these values unescaped (title, description, citation meta), so every string that came
    from content is HTML-escaped here, once. Which keys an engine understands is the engine's business.
    """
    meta: dict[str, Any] = {
        "title": html.escape(page.title, quote=True),
        "description": html.escape(page.description, quote=True),
    }
    if page.source:
        meta["source"] = page.source
    if page.citation:
        meta["citation"] = [{"name": name, "content": html.escape(value, quote=True)} for name, value in page.citation]
    searched = search.front_matter(page)
    if searched:
        meta["pagefind"] = searched
    # Our own emitter for this fixed shape: every string double-quoted and escaped, 20x faster than PyYAML's
    # representer (yamlemit.py; bench/README.md).
    return Markup("---\n" + yamlemit.dump(engine.front_matter(meta, page.search_boost)) + "---\n")


def render_page(env: Environment, page: Page, engine: Engine) -> str:
    """One page as Markdown text."""
    template = env.get_template(page.template)
    text = template.render(page=page, d=page.data, front_matter=front_matter(page, engine))
    return _BLANK_RUNS.sub("\n\n", text).rstrip() + "\n"


def render_pages(pages: list[Page], templates: Path, engine: Engine) -> dict[str, str]:
    """Every page as Markdown text, keyed by its path in the docs folder."""
    env = environment(templates)
    return {page.path: render_page(env, page, engine) for page in pages}


def copy_assets(templates: Path) -> dict[str, bytes]:
    """Static files shipped with the templates (CSS, JS), as docs-relative paths."""
    assets = templates / "assets"
    files: dict[str, bytes] = {}
    if assets.is_dir():
        for path in sorted(assets.rglob("*")):
            if path.is_file() and not path.is_symlink():
                files["assets/" + path.relative_to(assets).as_posix()] = path.read_bytes()
    return files
