"""Time each of our own stages in-process, as `reviewsite build` runs them; print one JSON line.

    .venv/bin/python bench/stages.py bench/out/p1000

load = reviewsite.load.load_content, check = reviewsite.check.cross_check, pages = the page views
(reviewsite.pages.build_pages / SiteBuilder.build), templates = reviewsite.render.render_pages,
exports = BibTeX/RIS/CSL downloads, feed and assets, write = write_tree into an empty folder.
"""

from __future__ import annotations

import gc
import json
import sys
import tempfile
import time
from pathlib import Path

from reviewsite import files as files_mod
from reviewsite import render
from reviewsite.check import cross_check
from reviewsite.config import find_project
from reviewsite.load import load_content
from reviewsite.pages import SiteBuilder


def stages(root: Path) -> dict[str, float | int]:
    project = find_project(root.resolve())
    times: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        times[name] = round(now - clock, 3)
        clock = now

    content, problems = load_content(project.root)
    lap("load")
    problems += cross_check(content, project.settings)
    lap("check")
    if problems:
        raise SystemExit(f"{len(problems)} problems in {root}: run `reviewsite check` there")
    builder = SiteBuilder(content, project.settings, repo_url=project.repo_url)
    pages = builder.build()
    lap("pages")
    texts = render.render_pages(pages, project.templates)
    lap("templates")
    files = {path: text.encode("utf-8") for path, text in texts.items()}
    files.update(render.copy_assets(project.templates))
    try:  # downloads and feed, where this version of the package makes them
        from reviewsite.export import export_files
        from reviewsite.feed import FEED_PATH, atom_feed
    except ImportError:
        pass
    else:
        files.update(export_files(builder))
        files[FEED_PATH] = atom_feed(builder)
    lap("exports")
    with tempfile.TemporaryDirectory() as tmp:
        files_mod.write_tree(files, Path(tmp) / "docs")
        lap("write")
    times["render"] = round(times["pages"] + times["templates"], 3)
    times["total"] = round(sum(times[k] for k in ("load", "check", "pages", "templates", "exports", "write")), 3)
    gc.collect()
    return {**times, "pages_count": len(pages), "files": len(files), "papers": len(content.papers)}


if __name__ == "__main__":
    print(json.dumps(stages(Path(sys.argv[1]))))
