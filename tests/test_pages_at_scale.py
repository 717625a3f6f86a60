"""Pages that list the literature do not grow with it (issue 16): at 10,000 synthetic papers (bench/generate.py)
the literature page and the tags index stay well under 600 KB, and every paper is still one step away
(the explorer's JSON rows, the explorer filtered by a tag).

Only the generator runs here (about 15 s: generating, loading and checking 10,000 files); the engine adds the
theme's chrome, about 30 KB a page, which bench/readers.py measures on real builds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reviewsite.build import view_context
from reviewsite.check import check
from reviewsite.config import find_project
from reviewsite.engines import get_engine
from reviewsite.render import render_pages
from reviewsite.siteindex import SiteIndex
from reviewsite.views import about, literature

ROOT = Path(__file__).resolve().parent.parent
PAPERS = 10_000
BUDGET = 600 * 1024
THEME_CHROME = 60 * 1024
"""Room left for what the engine wraps around our Markdown (navigation, header, scripts): twice what it adds."""


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    dest = tmp_path_factory.mktemp("big") / "project"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(PAPERS), str(dest)], check=True,
                   capture_output=True, timeout=300)
    project = find_project(dest)
    content, problems = check(project)
    assert problems == []
    ctx = view_context(project, SiteIndex(content, project.settings))
    pages = [literature.literature_page(ctx), about.tags_page(ctx)]
    text = render_pages(pages, project.templates, get_engine("mkdocs"))
    return ctx, pages, text


def test_literature_page_lists_the_newest_papers_and_stays_small(big):
    ctx, pages, text = big
    page = pages[0]
    size = len(text[page.path].encode("utf-8"))
    assert size + THEME_CHROME < BUDGET, f"literature page {size / 1024:.0f} KB of Markdown"
    limit = ctx.index.settings.literature_rows
    assert [r["key"] for r in page.data["rows"]] == [key for key, _ in ctx.index.papers[:limit]]
    assert f'data-rows="{page.data["rows_url"]}"' in text[page.path]
    data = json.loads(literature.rows_json(ctx))
    assert len(data["rows"]) == PAPERS, "every paper is in the JSON rows the explorer loads on demand"


def test_tags_index_lists_a_few_papers_per_tag_and_links_the_rest(big):
    ctx, pages, text = big
    page = pages[1]
    size = len(text[page.path].encode("utf-8"))
    assert size + THEME_CHROME < BUDGET, f"tags page {size / 1024:.0f} KB of Markdown"
    crowded = [t for t in page.data["tags"] if t["more"]]
    assert crowded, "the synthetic tags are shared by hundreds of papers"
    for tag in crowded:
        papers = [p for p in tag["pages"] if p["kind"] == "Paper"]
        assert len(papers) == about.TAG_PAPERS
        assert tag["more"]["count"] + len(papers) == tag["more"]["total"]
        assert tag["more"]["url"].endswith("/literature/?tag=" + tag["name"].replace(" ", "+"))
