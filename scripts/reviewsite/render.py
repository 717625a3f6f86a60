"""Page views -> Markdown text through Jinja templates (files.py writes them)."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .pages import Page, front_matter

_BLANK_RUNS = re.compile(r"\n{3,}")


def environment(templates: Path) -> Environment:
    """One environment: autoescape on for every template (they emit HTML blocks), strict undefined."""
    return Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_pages(pages: list[Page], templates: Path) -> dict[str, str]:
    """Every page as Markdown text, keyed by its path in the docs folder."""
    env = environment(templates)
    out: dict[str, str] = {}
    for page in pages:
        template = env.get_template(page.template)
        text = template.render(page=page, d=page.data, front_matter=front_matter(page))
        out[page.path] = _BLANK_RUNS.sub("\n\n", text).rstrip() + "\n"
    return out


def copy_assets(templates: Path) -> dict[str, bytes]:
    """Static files shipped with the templates (CSS, JS), as docs-relative paths."""
    assets = templates / "assets"
    files: dict[str, bytes] = {}
    if assets.is_dir():
        for path in sorted(assets.rglob("*")):
            if path.is_file():
                files["assets/" + path.relative_to(assets).as_posix()] = path.read_bytes()
    return files
