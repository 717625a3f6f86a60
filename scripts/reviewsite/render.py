"""Page views -> Markdown text through Jinja templates, and the writing of the generated docs folder."""

from __future__ import annotations

import os
import re
import tempfile
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


def write_tree(files: dict[str, bytes], root: Path) -> tuple[int, int]:
    """Make `root` hold exactly `files`: write only what changed, remove what is stale.

    Returns (written, removed). Writing unchanged files would make `mkdocs serve` rebuild for nothing.
    """
    root.mkdir(parents=True, exist_ok=True)
    written = removed = 0
    for rel, data in sorted(files.items()):
        target = root / rel
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        # Generated output, remade by the next build after a crash: atomic (rename) but no fsync, which
        # cost about half of the write time per file here (bench/README.md).
        atomic_write(target, data, durable=False)
        written += 1
    wanted = {root / rel for rel in files}
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file() and path not in wanted:
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written, removed


def atomic_write(target: Path, data: bytes, *, durable: bool = True) -> None:
    """Temporary file in the same folder, then rename: a reader never sees half a file.

    `durable` also flushes the data to disk before the rename (for files people wrote or fetched).
    """
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
