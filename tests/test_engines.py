"""One site, three engines: MkDocs, ProperDocs and Zensical each build every page kind with zero broken
internal links (the invariants checker reads every href, anchor, search result URL and sitemap URL)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reviewsite.engines import get_engine
from reviewsite.invariants import check_site
from support.projects import copy_project

BIN = Path(sys.executable).parent
PAGE_KINDS = ["index.html", "mechanisms/index.html", "mechanisms/cd19-genetic-loss/index.html",
              "strategies/index.html", "strategies/cd22-car/index.html", "literature/index.html",
              "papers/26516065/index.html", "papers/rosenbaum-2017/index.html", "matrix/index.html",
              "tags/index.html", "about/index.html", "404.html"]
_GENERATOR = re.compile(rb'\s*<meta name="generator" content="[^"]*">')


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """The fixture project built once with each engine."""
    out = {}
    for engine in ("mkdocs", "properdocs", "zensical"):
        project = copy_project("minimal", tmp_path_factory.mktemp(engine) / "project")
        env = dict(os.environ, PYTHONHASHSEED="0", SOURCE_DATE_EPOCH="1700000000")
        env.pop("GITHUB_ACTIONS", None)
        result = subprocess.run([str(BIN / "reviewsite"), "build", "--engine", engine], cwd=project,
                                capture_output=True, text=True, timeout=300, env=env, check=False)
        assert result.returncode == 0, f"{engine}:\n{result.stderr}"
        out[engine] = project / "site"
    return out


@pytest.mark.parametrize("engine", ["mkdocs", "properdocs", "zensical"])
def test_every_page_kind_with_no_broken_link(sites, engine):
    site = sites[engine]
    for page in PAGE_KINDS:
        assert (site / page).is_file(), (engine, page)
    assert (site / "pagefind" / "pagefind.js").is_file(), "site search is built for every engine"
    assert not (site / "search").exists() and not (site / "search.json").exists(), "the engine's own search is off"
    assert check_site(site, engine=get_engine(engine)) == []


def test_properdocs_pages_are_mkdocs_pages(sites):
    """ProperDocs is MkDocs' maintained fork: the same pages byte for byte, but for the generator tag."""
    mkdocs, properdocs = sites["mkdocs"], sites["properdocs"]
    pages = sorted(p.relative_to(mkdocs) for p in mkdocs.rglob("*.html"))
    assert pages == sorted(p.relative_to(properdocs) for p in properdocs.rglob("*.html"))
    for rel in pages:
        assert _GENERATOR.sub(b"", (mkdocs / rel).read_bytes()) == _GENERATOR.sub(b"", (properdocs / rel).read_bytes()), rel


def test_zensical_keeps_our_links_and_metadata(sites):
    """Zensical rewrites relative links in raw HTML; ours are paths from the site's root, which it keeps."""
    page = (sites["zensical"] / "mechanisms" / "cd19-genetic-loss" / "index.html").read_text(encoding="utf-8")
    assert 'href="/fixture/strategies/cd22-car/"' in page
    assert 'href="/fixture/papers/26516065/"' in page
    paper = (sites["zensical"] / "papers" / "26516065" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="citation_title"' in paper  # our head override runs under minijinja too


def test_unknown_engine_is_a_usage_error(project):
    result = subprocess.run([str(BIN / "reviewsite"), "build", "--engine", "hugo"], cwd=project,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "invalid choice: 'hugo'" in result.stderr
