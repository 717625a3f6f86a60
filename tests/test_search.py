"""Site search, as built: Pagefind's records of the fixture site (tests/support/builtsite.py), the engines'
own search turned off, and the bundle holding only what the search script loads.

What a reader sees (typing, ranking, no download before opening) is in test_search_browser.py.
"""

from __future__ import annotations

import json

import pytest
import yaml

from reviewsite import search
from reviewsite.config import find_project
from reviewsite.engines import get_engine
from reviewsite.engines.base import plugins_without_search
from support.builtsite import HOSTILE_KEY, build_site
from support.projects import copy_project

CONTENT_BUDGET_PER_PAPER = 1024
"""Bytes of indexed text a paper page may add: title, short byline, journal line, topics (not its abstract)."""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("built"))


def test_every_page_but_the_404_is_indexed_and_topic_pages_are_grouped_first(site):
    records = site.search_records
    pages = {p.parent.relative_to(site.site).as_posix() + "/" for p in site.site.rglob("index.html")}
    pages = {"" if p == "./" else p for p in pages}
    assert set(records) == pages
    for url, record in records.items():
        topic = url.count("/") == 2 and url.split("/")[0] in ("mechanisms", "strategies", "overviews")
        assert record["filters"] == ({"group": [search.TOPICS]} if topic else {}), url
    mechanism = records["mechanisms/cd19-genetic-loss/"]
    assert mechanism["meta"]["title"] == site.content.mechanisms["cd19-genetic-loss"].title
    assert mechanism["meta"]["kind"] == site.project.settings.sections.mechanisms.singular


def test_papers_carry_their_pmid_and_leave_authors_to_the_author_index(site):
    """Pagefind holds what it indexes in memory while it builds: authors are searched through
    reviewsite/authorindex.py instead (test_authorindex.py), and only the visible byline is page text."""
    for key, paper in site.content.papers.items():
        meta = site.search_records[f"papers/{key}/"]["meta"]
        assert meta["title"] == paper.record.title
        assert meta.get("pmid") == paper.record.pmid, key
        assert "authors" not in meta, key
    many = site.search_records["papers/36382675/"]
    sixth = site.content.papers["36382675"].record.authors[5].family
    assert sixth not in json.dumps(many, ensure_ascii=False), "a middle author is not in Pagefind's record"
    shards = site.site / "literature" / "authors"
    assert (shards / f"{sixth.lower()[:2]}.json").is_file()


def test_the_index_leaves_out_abstracts_bibtex_tooltips_references_and_the_table(site):
    records = site.search_records
    everything = json.dumps(records, ensure_ascii=False)
    assert "Zanzibarquux" not in everything, "abstracts are excluded"
    assert "@article" not in everything, "BibTeX is excluded"
    mechanism = records["mechanisms/cd19-genetic-loss/"]["content"]
    sotillo = site.content.papers["26516065"].record
    assert sotillo.title not in mechanism, "reference lists and citation tooltips are excluded"
    literature = records["literature/"]["content"]
    assert sotillo.title not in literature, "the literature table is excluded"
    hostile = records[f"papers/{HOSTILE_KEY}/"]["content"]
    assert "Zanzibarquux" not in hostile and "Synthetic paper citing" not in hostile, "summaries are excluded"
    sizes = {url: len(r["content"].encode("utf-8")) for url, r in records.items() if url.startswith("papers/")}
    assert max(sizes.values()) <= CONTENT_BUDGET_PER_PAPER, sizes


def test_the_bundle_holds_only_what_the_search_script_loads_and_no_engine_index(site):
    bundle = site.site / search.BUNDLE
    files = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())
    assert "pagefind.js" in files and any(f.startswith("fragment/") for f in files)
    assert all(search.bundle_file(f) for f in files), files
    assert not any("ui" in f for f in files), "Pagefind's own user interfaces are not shipped"
    assert not (site.site / "search").exists(), "the engine's own search index is not built"
    script = (site.site / "assets" / "search.js").read_text(encoding="utf-8")
    assert 'import(bundle + "pagefind.js")' in script


def test_bundle_file_names():
    assert search.bundle_file("pagefind.js") and search.bundle_file("fragment/en_0a1b2c3.pf_fragment")
    assert search.bundle_file("pagefind.en_47d6bd7f85.pf_meta") and search.bundle_file("wasm.unknown.pagefind")
    for name in ("pagefind-ui.js", "pagefind-component-ui.js", "pagefind-highlight.js", "playground/index.html",
                 "fragment/../x.js", "index.html", "fragment/x.pf_fragment.js"):
        assert not search.bundle_file(name), name


def test_engines_turn_their_own_search_off(project):
    assert plugins_without_search(["search", {"material/search": {"lang": "en"}}, {"tags": {}}, "x"]) == [
        {"tags": {}}, "x"]
    assert plugins_without_search({"search": {}, "tags": {"a": 1}}) == [{"tags": {"a": 1}}]
    assert plugins_without_search(None) == []
    proj = find_project(project)
    config = yaml.safe_load(get_engine("mkdocs").config_file(proj).read_text(encoding="utf-8"))
    assert config == {"INHERIT": "mkdocs.yml", "plugins": []}
    zensical = get_engine("zensical")
    args = zensical.build_args(proj, proj.root / "site")
    zconfig = yaml.safe_load((proj.root / args[args.index("--config-file") + 1]).read_text(encoding="utf-8"))
    assert zconfig["plugins"] == [{"search": {"enabled": False}}]


def test_a_search_plugin_listed_in_mkdocs_yml_stays_off(tmp_path):
    project = copy_project("minimal", tmp_path / "p")
    path = project / "mkdocs.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("plugins: []", "plugins:\n  - search\n  - tags"),
                    encoding="utf-8")
    config = yaml.safe_load(get_engine("mkdocs").config_file(find_project(project)).read_text(encoding="utf-8"))
    assert config["plugins"] == ["tags"]
