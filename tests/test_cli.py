"""The command line as a curator meets it: exit codes, path:line output, never a traceback."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def reviewsite(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([str(BIN / "reviewsite"), *args], cwd=project, capture_output=True, text=True,
                          timeout=300, env=env, check=False)


def test_check_ok(project):
    result = reviewsite(project, "check")
    assert result.returncode == 0, result.stderr
    assert "content OK" in result.stderr


def test_check_broken_copy_prints_every_problem_and_exits_1(project):
    bad = project / "content" / "papers" / "26516065.yaml"
    bad.write_text(bad.read_text().replace('pmid: "26516065"', "pmid: 026516065"))
    (project / "content" / "mechanisms" / "tabbed.yaml").write_text("title: x\n\tcategory: y\n")
    (project / "content" / "strategies" / "bomb.yaml").write_text("a: &a [1]\nb: *a\n")
    before = {p: p.read_bytes() for p in (project / "content").rglob("*.yaml")}
    result = reviewsite(project, "check")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("content/")]
    assert lines == sorted(lines)
    assert "content/mechanisms/tabbed.yaml:2:1: tab character not allowed (indent with spaces)" in lines
    assert "content/strategies/bomb.yaml:1:4: anchors and aliases are not allowed (write the value out)" in lines
    assert any(line.startswith("content/papers/26516065.yaml:3:9: record.pmid: PMID must be") for line in lines)
    assert {p: p.read_bytes() for p in (project / "content").rglob("*.yaml")} == before


def test_usage_and_config_errors_exit_2(tmp_path):
    assert reviewsite(tmp_path, "check").returncode == 2  # no mkdocs.yml here
    assert reviewsite(tmp_path, "no-such-command").returncode == 2


def test_github_annotations(project):
    bad = project / "content" / "mechanisms" / "limited-persistence.yaml"
    bad.write_text(bad.read_text().replace("category: t-cell-dysfunction", "category: nope"))
    env = dict(os.environ, GITHUB_ACTIONS="true")
    result = subprocess.run([str(BIN / "reviewsite"), "check"], cwd=project, capture_output=True, text=True,
                            env=env, check=False, timeout=60)
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=content/mechanisms/limited-persistence.yaml,line=4,col=11::")


def test_new_scaffold_passes_check(project):
    assert reviewsite(project, "new", "mechanism", "tonic-signalling").returncode == 0
    assert reviewsite(project, "new", "strategy", "armoured-cars").returncode == 0
    assert reviewsite(project, "check").returncode == 0
    assert reviewsite(project, "new", "strategy", "armoured-cars").returncode == 2  # exists
    assert reviewsite(project, "new", "mechanism", "Bad Slug").returncode == 2


def test_package_never_imports_mkdocs():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "scripts" / "reviewsite").rglob("*.py")
        if any(line.strip().startswith(("import mkdocs", "from mkdocs", "import material", "from material"))
               for line in path.read_text().splitlines())
    ]
    assert offenders == []


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from support.projects import copy_project

    project = copy_project("minimal", tmp_path_factory.mktemp("built") / "project")
    result = reviewsite(project, "build")
    assert result.returncode == 0, result.stderr
    return project


def test_build_makes_every_page_kind(built):
    site = built / "site"
    for page in ["index.html", "mechanisms/index.html", "mechanisms/cd19-genetic-loss/index.html",
                 "strategies/index.html", "strategies/cd22-car/index.html", "literature/index.html",
                 "papers/26516065/index.html", "papers/rosenbaum-2017/index.html", "matrix/index.html",
                 "about/index.html", "404.html", "sitemap.xml", "pagefind/pagefind.js", "literature/rows.json"]:
        assert (site / page).is_file(), page


def test_links_run_both_ways(built):
    from bs4 import BeautifulSoup

    def hrefs(page: str) -> set[str]:
        soup = BeautifulSoup((built / "site" / page).read_text(), "html.parser")
        return {a["href"] for a in soup.select("article a[href]")}

    # Links are paths from the site's root (the fixture's site_url is https://example.org/fixture/).
    assert "/fixture/strategies/cd22-car/" in hrefs("mechanisms/cd19-genetic-loss/index.html")
    assert "/fixture/mechanisms/cd19-genetic-loss/" in hrefs("strategies/cd22-car/index.html")
    assert "/fixture/papers/26516065/" in hrefs("mechanisms/cd19-genetic-loss/index.html")
    assert "/fixture/mechanisms/cd19-genetic-loss/#evidence-1" in hrefs("papers/26516065/index.html")
    assert "/fixture/strategies/cd22-car/#evidence-1" in hrefs("papers/29155426/index.html")


def test_paper_pages_stay_out_of_the_nav(built):
    html = (built / "site" / "index.html").read_text()
    nav = html[html.index('<nav class="md-nav md-nav--primary"'):]
    nav = nav[: nav.index("</nav>")]
    assert "papers/" not in nav


def test_no_request_to_other_origins(built):
    for page in (built / "site").rglob("*.html"):
        text = page.read_text()
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, page
        assert 'src="http' not in text and "<link href=\"http" not in text, page


def test_rebuild_writes_nothing_and_removes_only_its_own_stale_pages(built):
    result = reviewsite(built, "build", "--pages-only")
    assert "(0 written, 0 removed)" in result.stderr
    page = built / "build" / "docs" / "papers" / "26516065.md"
    mtime = page.stat().st_mtime_ns
    extra = built / "content" / "papers" / "36382675.yaml"
    shutil.copy(ROOT / "tests" / "fixtures" / "literature" / "36382675.yaml", extra)
    try:
        assert reviewsite(built, "build", "--pages-only").returncode == 0
        generated = built / "build" / "docs" / "papers" / "36382675.md"
        assert generated.is_file()
        shards = built / "build" / "docs" / "literature" / "authors"
        before = set(shards.iterdir())
        extra.unlink()  # the paper leaves the site: its page is stale now, and author shards only it filled
        result = reviewsite(built, "build", "--pages-only")
        assert result.returncode == 0, result.stderr
        gone = before - set(shards.iterdir())
        assert re.search(rf"\(\d+ written, {1 + len(gone)} removed\)", result.stderr), result.stderr
        assert not generated.exists()
        assert page.stat().st_mtime_ns == mtime
    finally:
        extra.unlink(missing_ok=True)


def test_a_file_the_generator_did_not_write_is_never_removed(built):
    foreign = built / "build" / "docs" / "papers" / "curator-notes.md"
    foreign.write_text("mine")
    try:
        result = reviewsite(built, "build", "--pages-only")
        assert result.returncode == 2
        assert "build/docs: holds files reviewsite did not write" in result.stderr
        assert "papers/curator-notes.md" in result.stderr
        assert foreign.read_text() == "mine"
    finally:
        foreign.unlink()


def test_invalid_content_keeps_the_last_pages(built):
    (built / "content" / "papers" / "rosenbaum-2017.yaml").rename(built / "rosenbaum.bak")
    try:
        result = reviewsite(built, "build")
        assert result.returncode == 1  # the mechanism still cites the removed paper
        assert "paper:rosenbaum-2017" in result.stderr
        assert (built / "build" / "docs" / "papers" / "rosenbaum-2017.md").is_file()
    finally:
        (built / "rosenbaum.bak").rename(built / "content" / "papers" / "rosenbaum-2017.yaml")
