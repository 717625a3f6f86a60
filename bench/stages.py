"""Time each of our own stages in-process, one after the other on one core; print one JSON line.

    .venv/bin/python bench/stages.py bench/out/p1000

What `reviewsite build` does before the engine runs, stage by stage (its own run may overlap some, on two
cores): load = parsing and validating every content file (contentstore.ContentStore, cold: no cache),
load_cached = the same from the build cache (in REVIEWSITE_CACHE_HOME, written by the cold load),
check = cross-references (check.cross_check), index = siteindex.SiteIndex, views = every page's data
(views.build_views), templates = Jinja and front matter (render.render_page), data = exports, explorer
rows, feed and assets (build.data_files), write = writing all of it into an empty folder (files.TreeWriter).
"""

from __future__ import annotations

import gc
import json
import sys
import tempfile
import time
from pathlib import Path

from reviewsite.build import data_files, view_context
from reviewsite.check import cross_check
from reviewsite.config import find_project
from reviewsite.contentstore import ContentStore
from reviewsite.engines import get_engine
from reviewsite.files import TreeWriter
from reviewsite.render import environment, render_page
from reviewsite.siteindex import SiteIndex
from reviewsite.views import build_views


def stages(root: Path) -> dict[str, float | int]:
    project = find_project(root.resolve())
    engine = get_engine(project.settings.engine)
    times: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        times[name] = round(now - clock, 3)
        clock = now

    store = ContentStore()
    content, problems = store.load(project.root)
    lap("load")
    store.save(project.root)
    del content, store
    gc.collect()
    lap("save_cache")
    store = ContentStore.from_cache(project.root)
    content, problems = store.load(project.root)
    lap("load_cached")
    problems += cross_check(content, project.settings)
    lap("check")
    if problems:
        raise SystemExit(f"{len(problems)} problems in {root}: run `reviewsite check` there")
    index = SiteIndex(content, project.settings)
    lap("index")
    ctx = view_context(project, index)
    pages = build_views(ctx)
    lap("views")
    env = environment(project.templates)
    texts = [(page.path, render_page(env, page, engine).encode("utf-8")) for page in pages]
    count = len(pages)
    del pages
    lap("templates")
    files = [(rel, data if isinstance(data, bytes) else "".join(data).encode("utf-8"))
             for rel, data in data_files(project, ctx)]
    lap("data")
    with tempfile.TemporaryDirectory() as tmp:
        writer = TreeWriter(Path(tmp) / "docs")
        for rel, data in [*texts, *files]:
            writer.write(rel, data)
        writer.finish()
        lap("write")
    times["total"] = round(sum(times[k] for k in ("load", "check", "index", "views", "templates", "data", "write")),
                           3)
    times["total_cached"] = round(times["total"] - times["load"] + times["load_cached"], 3)
    return {**times, "pages_count": count, "files": len(texts) + len(files), "papers": len(content.papers)}


if __name__ == "__main__":
    print(json.dumps(stages(Path(sys.argv[1]))))
