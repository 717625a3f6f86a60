"""The minimal fixture site, built once per test session (for test_pages, test_export, test_charts, test_explorer).

The copy gets the papers of tests/fixtures/literature (papers citing the review in 2020-2024, a similar
article, a paper without authors) and one synthetic paper full of characters that must be escaped (braces, %, &, #, _, <script>,
quotes, Unicode), so every output format is tested against hostile text. It lives only in the temporary copy.
"""

from __future__ import annotations

import gzip
import json
import posixpath
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "minimal"
EXTRA_PAPERS = ROOT / "tests" / "fixtures" / "literature"

HOSTILE_KEY = "hostile-2021"
HOSTILE_TITLE = r"Braces {x} & 100% of #hash_tag <script>alert(1)</script> ~ ^ $ \ “Ünïcödé” α-CD19"
HOSTILE_TAGS = ["<b>bold</b>", 'A&B "q"']
HOSTILE_YAML = r"""# synthetic: every character an export or a page must escape
record:
  title: 'Braces {x} & 100% of #hash_tag <script>alert(1)</script> ~ ^ $ \ “Ünïcödé” α-CD19'
  authors:
    - {family: "O'Brien & {Co}", given: "Ana María"}
    - {family: "van der Berg", initials: "JW"}
    - {collective: "The <b>Study</b> Group and Friends"}
  journal: "J Test & Trials_{x}"
  published: "2021-03"
  volume: "7"
  pages: "e1-e9"
  abstract:
    - label: "BACKGROUND"
      text: "Zanzibarquux is a word that appears only in this abstract."
relations: []
curation:
  summary: "Synthetic paper citing [@pmid:26516065] with <script>alert(1)</script> and [a link](javascript:alert(1))."
  tags: ["<b>bold</b>", 'A&B "q"']
  mechanisms: [cd19-genetic-loss]
  added: "2026-12-01"
"""


def resolve_href(page_url: str, href: str, base: str = "/") -> tuple[str, str]:
    """Site URL and anchor an href on `page_url` points to (`papers/1/`, `evidence-2`): relative hrefs
    and paths from the site's root under `base` (the site_url's path) alike."""
    path, _, anchor = href.partition("#")
    path = path.split("?", 1)[0]
    if path.startswith("/"):
        assert path.startswith(base), f"{href!r} is outside the site's root {base!r}"
        target = "/" + path[len(base):]
    else:
        target = posixpath.normpath(posixpath.join("/" + page_url, path or ".")) if path else "/" + page_url
    url = target.strip("/")
    return (url + "/" if url and not posixpath.splitext(url)[1] else url), anchor


@dataclass
class BuiltSite:
    root: Path

    @cached_property
    def base(self) -> str:
        from reviewsite.urls import site_base

        return site_base(self.project.site_url)

    def resolve(self, page_url: str, href: str) -> tuple[str, str]:
        return resolve_href(page_url, href, self.base)

    def file(self, page_url: str, href: str) -> Path:
        """The file of the built site an href on `page_url` serves."""
        url, _ = self.resolve(page_url, href)
        path = self.site / url
        return path / "index.html" if url == "" or url.endswith("/") else path

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def docs(self) -> Path:
        return self.root / "build" / "docs"

    def html(self, url: str) -> BeautifulSoup:
        """Parsed page at a site URL such as `papers/123/` or `` (home)."""
        return BeautifulSoup((self.site / url / "index.html").read_text(encoding="utf-8"), "html.parser")

    def article(self, url: str) -> BeautifulSoup:
        return self.html(url).select_one("article.md-content__inner")

    def read(self, rel: str) -> str:
        return (self.site / rel).read_text(encoding="utf-8")

    @cached_property
    def search_records(self) -> dict[str, dict]:
        """Pagefind's record of every indexed page (its fragment), by site URL (`papers/1/`, `` for home)."""
        out = {}
        for path in sorted((self.site / "pagefind" / "fragment").glob("*.pf_fragment")):
            data = gzip.decompress(path.read_bytes())
            assert data.startswith(b"pagefind_dcd"), path
            record = json.loads(data[len(b"pagefind_dcd"):])
            out[record["url"].lstrip("/")] = record
        return out

    @cached_property
    def content(self):
        from reviewsite.load import load_content

        content, problems = load_content(self.root)
        assert not problems, problems
        return content

    @cached_property
    def project(self):
        from reviewsite.config import find_project

        return find_project(self.root)

    @cached_property
    def index(self):
        from reviewsite.siteindex import SiteIndex

        return SiteIndex(self.content, self.project.settings)


_CACHE: dict[str, BuiltSite] = {}


def build_site(tmp_root: Path) -> BuiltSite:
    """Copy the fixture, add the hostile paper, run `reviewsite build` (MkDocs --strict) once."""
    if "site" in _CACHE:
        return _CACHE["site"]
    root = tmp_root / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("site", "build"))
    shutil.copytree(ROOT / "templates", root / "templates")
    for extra in sorted(EXTRA_PAPERS.glob("*.yaml")):
        shutil.copy(extra, root / "content" / "papers" / extra.name)
    (root / "content" / "papers" / f"{HOSTILE_KEY}.yaml").write_text(HOSTILE_YAML, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "reviewsite.cli", "build"], cwd=root, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    _CACHE["site"] = BuiltSite(root)
    return _CACHE["site"]
