"""Site search: Pagefind's chunked index, built over the finished site, the same for every engine.

A reader's browser downloads nothing for search until they open it (templates/assets/search.js), then
only the index chunks and page fragments a query needs, so a page view costs the same at 74 papers as at
10,000. The engines' own search plugins are off (each engine module knows how).

- `front_matter(page)`: the engine-neutral `pagefind` front-matter key: for topic pages (those with a
  search boost: mechanisms, strategies, overviews) the filter `group: topics`, which the search dialog
  lists before every other result, and what the page is (`kind`); for papers the PMID, which the theme
  override (templates/overrides/main.html) writes as Pagefind meta in an element Pagefind does not index
  as text. Authors are not given to Pagefind: it would hold all of them in memory while it builds (146 MB
  at 10,000 papers); `authorindex` makes them searchable instead.
- `index_site(site_dir, engine)`: run Pagefind over the built site, then keep only the files the search
  script loads (`bundle_file` says which; the invariants check every file of the bundle against it).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engines import Engine
    from .views import Page

BUNDLE = "pagefind"
"""Folder of the search bundle inside the site."""
TOPICS = "topics"
"""Value of the Pagefind filter `group` on topic pages, the only pages that carry it: Pagefind 1.5 writes a
filter's values in hash-map order, so a second value would make two builds of the same site differ."""
TOPIC_KINDS = {"mechanisms": "Mechanism", "strategies": "Strategy", "overviews": "Overview"}
"""What a topic page is called in search results when its view names no `singular`."""
_BUNDLE_FILES = re.compile(
    r"pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|pagefind\.[a-z0-9_-]+\.pf_meta|wasm\.[a-z0-9_-]+\.pagefind"
    r"|index/[a-z0-9_-]+\.pf_index|fragment/[a-z0-9_-]+\.pf_fragment|filter/[a-z0-9_-]+\.pf_filter"
)
"""Files of the bundle the search script may load; Pagefind's own user interfaces are removed."""


def bundle_file(rel: str) -> bool:
    """Whether `rel` (a path inside the bundle folder) is a file the search needs."""
    return _BUNDLE_FILES.fullmatch(rel) is not None


def _cited(page: Page, name: str) -> list[str]:
    return [value for key, value in page.citation if key == name]


def front_matter(page: Page) -> dict[str, Any]:
    """The `pagefind` front-matter key of a page (empty for most); strings HTML-escaped once, like the rest of
    the front matter."""
    if page.search_boost:
        kind = page.data.get("singular") or TOPIC_KINDS.get(page.path.split("/")[0], "")
        return {"group": TOPICS, "kind": html.escape(kind, quote=True)} if kind else {"group": TOPICS}
    out: dict[str, Any] = {}
    pmid = _cited(page, "citation_pmid")
    if pmid:
        out["pmid"] = html.escape(pmid[0], quote=True)
    return out


def pagefind_args(site_dir: Path, engine: Engine) -> list[str]:
    """Pagefind over every page of the site but the 404 page, inside the engine's article element only."""
    args = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-subdir", BUNDLE,
            "--root-selector", engine.search_root, "--glob", "**/index.html", "--quiet"]
    for selector in engine.search_exclude:
        args += ["--exclude-selectors", selector]
    return args


def prune_bundle(bundle: Path) -> None:
    """Remove what the search script never loads (Pagefind's UIs, highlighting, playground)."""
    for path in sorted(bundle.rglob("*"), reverse=True):
        rel = path.relative_to(bundle).as_posix()
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif not bundle_file(rel):
            path.unlink()


def index_site(site_dir: Path, engine: Engine) -> int:
    """Build the search bundle into `site_dir/pagefind`; Pagefind's exit code (its messages go to stderr)."""
    bundle = site_dir / BUNDLE
    if bundle.exists():
        shutil.rmtree(bundle)
    for name in engine.own_search_files:
        (site_dir / name).unlink(missing_ok=True)
    code = subprocess.call(pagefind_args(site_dir, engine), stdout=sys.stderr)
    if code == 0:
        prune_bundle(bundle)
    return code
