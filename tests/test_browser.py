"""The built site in a real browser: Debian's Chromium through Playwright, served from 127.0.0.1.

The site is the minimal fixture's content built with the repository's real mkdocs.yml and templates
(`real_site` in conftest.py), served under its published base path like GitHub Pages; the layout test
also reads the repository's own content (what readers get: a dozen strategies, long titles). Each test
opens a fresh browser context; a Watcher fails the test on any console error, uncaught exception,
dialog, or request to another origin (such requests are aborted, so nothing reaches the network).
Screenshots of every page kind at 1280 and 375 px go to test-artifacts/screenshots/ (git-ignored) for
people to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from support.sitetools import ARTIFACTS, ROOT, SiteServer, Watcher, axe_violations, base_path, build, make_project

pytestmark = pytest.mark.browser

SCREENSHOTS = ARTIFACTS / "screenshots"

# One page of every kind the generator writes, plus the theme's 404 page.
PAGE_KINDS = {
    "home": "",
    "mechanisms-index": "mechanisms/",
    "strategies-index": "strategies/",
    "matrix": "matrix/",
    "literature": "literature/",
    "whats-new": "whats-new/",
    "about": "about/",
    "tags": "tags/",
    "mechanism": "mechanisms/cd19-genetic-loss/",
    "strategy": "strategies/cd22-car/",
    "overview": "overviews/failure-patterns/",
    "paper": "papers/26516065/",
    "paper-without-pmid": "papers/rosenbaum-2017/",
    "not-found": "no/such/page/",
}
WIDTHS = (1280, 375)
TALL_ROWS = {"matrix", "literature"}
"""Pages whose table body rows must stay under ROW_LIMIT at 1280 px (one or two lines, not a column of
letters)."""
ROW_LIMIT = 160


@pytest.fixture(scope="module")
def server(real_site: Path):
    with SiteServer(real_site / "site", base_path(real_site)) as srv:
        yield srv


def _watched_context(chromium, origin: str):  # noqa: ANN001, ANN202
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="UTC")
    watcher = Watcher(origin)
    watcher.attach(ctx)
    ctx.watcher = watcher
    return ctx


@pytest.fixture
def context(chromium, server):
    ctx = _watched_context(chromium, server.origin)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def content_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own content/ built with its mkdocs.yml and templates: the site readers get."""
    project = make_project(tmp_path_factory.mktemp("content-site") / "project", ROOT / "content")
    result = build(project)
    assert result.returncode == 0, f"the content did not build:\n{result.stdout}\n{result.stderr}"
    return project


@pytest.fixture(scope="module")
def content_server(content_site: Path):
    with SiteServer(content_site / "site", base_path(content_site)) as srv:
        yield srv


def content_pages(site: Path) -> dict[str, str]:
    """PAGE_KINDS in the content's site: the first page of each folder (the content changes every week)."""
    def first(folder: str, pmid: bool | None = None) -> str:
        names = sorted(p.parent.name for p in (site / folder).glob("*/index.html"))
        if pmid is not None:
            names = [n for n in names if n.isdigit() == pmid]
        assert names, f"the content has no {folder} page" + ("" if pmid is None else f" (pmid={pmid})")
        return f"{folder}/{names[0]}/"

    return {**PAGE_KINDS, "mechanism": first("mechanisms"), "strategy": first("strategies"),
            "overview": first("overviews"), "paper": first("papers", pmid=True),
            "paper-without-pmid": first("papers", pmid=False)}


def ours(violations: list[dict]) -> list[str]:
    """Serious/critical axe violations, one readable line per node: none is excused, the theme's included."""
    return [f"{v['impact']} {v['id']} ({v['help']}) at {node['target']}: {node['summary']}"
            for v in violations for node in v["nodes"]]


LAYOUT = r"""(tallRows) => {
  const doc = document.documentElement;
  // Rendered: not display:none, not inside a closed <details> (content-visibility), not visibility:hidden.
  // Not inside a box clipped to a pixel either (the screen-reader-only pattern, e.g. a phone's hidden thead).
  const tiny = el => { const r = el.getBoundingClientRect(); return r.width <= 2 || r.height <= 2; };
  const shown = el => {
    if (el.checkVisibility ? !el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true})
        : getComputedStyle(el).visibility === 'hidden') return false;
    if (!el.getClientRects().length) return false;
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      if (tiny(e) && getComputedStyle(e).overflow !== 'visible') return false;
    }
    return true;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const text = el => JSON.stringify(el.innerText.replace(/\s+/g, ' ').trim().slice(0, 50));
  const out = [];
  // 1. The page itself never scrolls sideways (wide tables and figures scroll in their own box).
  if (doc.scrollWidth > doc.clientWidth) {
    const culprits = [...document.querySelectorAll('body *')]
      .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > doc.clientWidth + 1; })
      .slice(-6).map(el => name(el) + ' right=' + Math.round(el.getBoundingClientRect().right));
    out.push(`page scrolls sideways: scrollWidth ${doc.scrollWidth} > ${doc.clientWidth} (${culprits.join(', ')})`);
  }
  // 2. No table cell is narrower than a word in it: no word broken across lines or sticking out of its cell
  //    (words end at spaces, hyphens and slashes, where a line may break; screen-reader-only text is skipped).
  const WORD = /[^\s\-\u2010-\u2015\/]+/g;
  // A value cut short on purpose ends in an ellipsis inside its cell: it does not stick out.
  const clipped = (el, cell) => {
    for (let e = el; e && cell.contains(e); e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.textOverflow === 'ellipsis' && style.overflowX !== 'visible') return true;
    }
    return false;
  };
  for (const cell of document.querySelectorAll('article td, article th')) {
    if (!shown(cell)) continue;
    const box = cell.getBoundingClientRect();
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let bad = null;
    for (let node = walker.nextNode(); node && !bad; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!shown(parent)) continue;
      for (const m of node.data.matchAll(WORD)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const rects = [...range.getClientRects()].filter(r => r.width > 0);
        if (!rects.length) continue;
        const lines = new Set(rects.map(r => Math.round(r.top))).size;
        const outside = !clipped(parent, cell) && rects.some(r => r.right > box.right + 1 || r.left < box.left - 1);
        if (lines > 1 || outside) {
          bad = `${name(cell)} ${text(cell)} is ${Math.round(box.width)} px wide: "${m[0]}" ${lines > 1 ? 'is broken across lines' : 'sticks out'}`;
          break;
        }
      }
    }
    if (bad) out.push(bad);
  }
  // 3. Header rows stay short (no column of letters); body rows too where a table must scan as a list.
  const rows = [...document.querySelectorAll('article thead tr')].map(tr => ['header row', tr]);
  if (tallRows) rows.push(...[...document.querySelectorAll('article tbody tr')].map(tr => ['body row', tr]));
  for (const [what, tr] of rows) {
    const height = tr.getBoundingClientRect().height;
    if (shown(tr) && height >= ROW_LIMIT) out.push(`${what} ${text(tr)} is ${Math.round(height)} px tall`);
  }
  return out;
}""".replace("ROW_LIMIT", str(ROW_LIMIT))


def layout_problems(page, kind: str, width: int) -> list[str]:  # noqa: ANN001
    """What reads badly on the page at its current width (see LAYOUT)."""
    return page.evaluate(LAYOUT, kind in TALL_ROWS and width >= 1280)


def open_page(context, url: str, width: int = 1280):  # noqa: ANN001, ANN201
    """Load `url` at `width` px and wait until the page's scripts have run and its fonts are in."""
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900 if width >= 1280 else 812})
    response = page.goto(url, wait_until="load")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    return page, response


def reads_well(context, url: str, kind: str, width: int, shot: str):  # noqa: ANN001, ANN201
    """Open `url` at `width`, keep a screenshot, and assert the layout and axe checks; returns the page."""
    page, response = open_page(context, url, width)
    assert response is not None
    assert response.status == (404 if kind == "not-found" else 200)
    assert page.locator("article h1").count() == 1, "every page has one heading"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{shot}-{width}.png"), full_page=True)
    problems = layout_problems(page, kind, width)
    assert problems == [], f"{kind} at {width} px ({url}):\n" + "\n".join(problems)
    violations = ours(axe_violations(page))
    assert violations == [], f"axe on {kind} at {width} px ({url}):\n" + "\n".join(violations)
    return page


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", list(PAGE_KINDS))
def test_page_kind_reads_well_loads_clean_and_is_accessible(context, server, kind, width):
    """At 1280 px and on a 375 px phone: no sideways scrolling, no cell narrower than its words, short table
    rows, no console error or foreign request, and axe finds nothing serious or critical (no rule excused)."""
    page = reads_well(context, server.url + PAGE_KINDS[kind], kind, width, kind)
    if width == WIDTHS[0]:
        # The reader's own palette toggle: the dark (slate) scheme must pass axe too.
        page.locator("label[title='Switch to dark mode']").first.click()
        page.wait_for_function("() => document.body.getAttribute('data-md-color-scheme') === 'slate'")
        page.screenshot(path=str(SCREENSHOTS / f"{kind}-dark.png"))
        dark = ours(axe_violations(page))
        assert dark == [], f"axe on {kind} in the dark scheme:\n" + "\n".join(dark)
    problems = context.watcher.problems(allow_404=kind == "not-found")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", list(PAGE_KINDS))
def test_the_real_content_reads_well_on_every_page_kind(chromium, content_site, content_server, kind, width):
    """The same checks on the site readers get, whose matrix has a dozen columns and whose titles are long."""
    context = _watched_context(chromium, content_server.origin)
    try:
        url = content_server.url + content_pages(content_site / "site")[kind]
        reads_well(context, url, kind, width, f"content-{kind}")
        problems = context.watcher.problems(allow_404=kind == "not-found")
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


TIP_SHOWN = """(tip) => {
  const r = tip.getBoundingClientRect();
  if (getComputedStyle(tip).display === 'none' || !r.width) return 'hidden';
  if (r.left < 0 || r.right > document.documentElement.clientWidth || r.top < 0 || r.bottom > innerHeight)
    return `outside the window: ${Math.round(r.left)}..${Math.round(r.right)} x ${Math.round(r.top)}..${Math.round(r.bottom)}`;
  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return tip.contains(top) ? 'shown' : `covered by ${top && top.tagName}`;
}"""


def test_a_tap_pins_a_citation_tooltip_and_a_tap_elsewhere_closes_it(chromium, server):
    """On a touch screen: the first tap on a citation number shows its reference on top of the page (not
    jumping to the reference list), a tap elsewhere closes it, and a second tap on the number opens the
    reference list; with a mouse, hovering shows the tooltip inside the window."""
    ctx = chromium.new_context(viewport={"width": 375, "height": 812}, has_touch=True, is_mobile=True)
    watcher = Watcher(server.origin)
    watcher.attach(ctx)
    try:
        page = ctx.new_page()
        page.goto(server.url + "mechanisms/cd19-genetic-loss/", wait_until="load")
        cite = page.locator("article a.rs-cite").last
        tip = cite.locator(".rs-tip")
        cite.scroll_into_view_if_needed()
        assert tip.evaluate(TIP_SHOWN) == "hidden"
        cite.tap()
        assert tip.evaluate(TIP_SHOWN) == "shown"
        assert page.evaluate("location.hash") == "", "the first tap does not jump to the reference list"
        page.locator("article h1").tap()
        assert tip.evaluate(TIP_SHOWN) == "hidden", "a tap elsewhere closes the tooltip"
        cite.tap()
        assert tip.evaluate(TIP_SHOWN) == "shown"
        cite.tap()
        page.wait_for_function("() => location.hash.startsWith('#ref-')")
        assert tip.evaluate(TIP_SHOWN) == "hidden", "following the link closes it"
        assert watcher.problems() == []
    finally:
        ctx.close()
    desk = _watched_context(chromium, server.origin)
    try:
        page = desk.new_page()
        page.goto(server.url + "mechanisms/cd19-genetic-loss/", wait_until="load")
        for i in range(page.locator("article a.rs-cite").count()):
            cite = page.locator("article a.rs-cite").nth(i)
            cite.hover()
            assert cite.locator(".rs-tip").evaluate(TIP_SHOWN) == "shown", f"citation {i + 1}"
        assert desk.watcher.problems() == []
    finally:
        desk.close()


def _kind_key(path: str) -> str:
    """'' -> '', 'literature/' -> 'literature', 'papers/123/' -> 'papers/*'."""
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[:1]) + ("/*" if len(parts) > 1 else "")


def test_page_kinds_cover_every_kind_of_page_in_the_site(real_site: Path):
    """A new kind of page (a new top-level page or a new folder of pages) must be added to PAGE_KINDS."""
    sitemap = (real_site / "site" / "sitemap.xml").read_text(encoding="utf-8")
    prefix = base_path(real_site)
    paths = [urlsplit(loc).path.removeprefix(prefix) for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    assert paths, "the sitemap lists the pages"
    missing = {_kind_key(p) for p in paths} - {_kind_key(u) for u in PAGE_KINDS.values()}
    assert not missing, f"page kinds the browser tests do not visit: {sorted(missing)}"


def _article_link(page, href_end: str):  # noqa: ANN001, ANN202
    """The first link inside the page's article whose href ends with `href_end`."""
    link = page.locator(f"article a[href$='{href_end}']").first
    link.wait_for(state="visible")
    return link


def _title(page) -> str:  # noqa: ANN001
    return page.locator("article h1").first.inner_text().strip()


def test_reader_clicks_home_mechanism_strategy_paper_and_back(context, server):
    page = context.new_page()
    page.goto(server.url, wait_until="load")
    assert _title(page) == "Mechanisms of resistance to CAR T cell therapy"

    _article_link(page, "mechanisms/cd19-genetic-loss/").click()
    page.wait_for_url(re.compile(r"/mechanisms/cd19-genetic-loss/$"))
    assert _title(page) == "CD19 loss by mutation and splicing"

    _article_link(page, "strategies/cd22-car/").click()  # "Strategies that address it"
    page.wait_for_url(re.compile(r"/strategies/cd22-car/$"))
    assert _title(page) == "CD22-directed CAR"

    _article_link(page, "papers/29155426/").click()  # its reference list
    page.wait_for_url(re.compile(r"/papers/29155426/$"))
    assert _title(page).startswith("CD22-targeted CAR T cells induce remission")

    # And back through the links the other way: paper -> strategy -> mechanism -> home.
    _article_link(page, "strategies/cd22-car/").click()  # "Discussed in"
    page.wait_for_url(re.compile(r"/strategies/cd22-car/$"))
    _article_link(page, "mechanisms/cd19-genetic-loss/").click()  # "Mechanisms it addresses"
    page.wait_for_url(re.compile(r"/mechanisms/cd19-genetic-loss/$"))
    page.locator("a.md-header__button.md-logo").click()
    page.wait_for_url(server.url)
    assert _title(page) == "Mechanisms of resistance to CAR T cell therapy"

    # The browser's own back button retraces the same path.
    for expected in ("/mechanisms/cd19-genetic-loss/", "/strategies/cd22-car/", "/papers/29155426/"):
        page.go_back()
        page.wait_for_url(re.compile(re.escape(expected) + "$"))
    assert context.watcher.problems() == []


# Site search in the browser: test_search_browser.py; the literature explorer: test_literature_browser.py.


def test_breadcrumbs_and_previous_next_walk_a_section(context, server):
    """Mechanism and strategy pages are out of the nav: breadcrumbs lead up, previous/next lead along."""
    page, _ = open_page(context, server.url + "mechanisms/cd19-genetic-loss/", 375)
    crumbs = page.locator("article nav.rs-breadcrumbs")
    assert crumbs.locator("[aria-current=page]").inner_text() == _title(page)
    assert crumbs.evaluate("n => n.getBoundingClientRect().height") < 56, "at most two short lines on a phone"
    assert page.locator("article nav.rs-pager a[rel=prev]").count() == 0, "the first page has no previous"
    page.locator("article nav.rs-pager a[rel=next]").click()
    page.wait_for_url(re.compile(r"/mechanisms/limited-persistence/$"))
    assert page.locator("article nav.rs-pager a[rel=next]").count() == 0, "the last page has no next"
    page.locator("article nav.rs-pager a[rel=prev]").click()
    page.wait_for_url(re.compile(r"/mechanisms/cd19-genetic-loss/$"))
    page.locator("article nav.rs-breadcrumbs a").nth(1).click()
    page.wait_for_url(re.compile(r"/mechanisms/$"))
    assert context.watcher.problems() == []


def test_the_404_page_searches_and_links_every_section(context, server):
    page, response = open_page(context, server.url + "no/such/page/", 375)
    assert response is not None and response.status == 404
    links = page.locator("article ul.rs-404-sections a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) == len(PAGE_KINDS) - len({"mechanism", "strategy", "overview", "paper", "paper-without-pmid",
                                                "not-found"}), hrefs
    for href in hrefs:
        assert context.request.get(server.origin + href).status == 200, href
    page.locator("article form[role=search] input[name=q]").fill("Sotillo")
    page.locator("article form[role=search] button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?q=Sotillo$"))
    assert context.watcher.problems(allow_404=True) == []


def test_the_watcher_sees_dialogs_and_requests_to_other_origins(chromium, tmp_path: Path):
    """The hostile-input test relies on these two detectors: prove they fire."""
    (tmp_path / "index.html").write_text(
        "<!doctype html><title>t</title><img alt='' src='https://evil.example/p.gif'>"
        "<img alt='' src=x onerror='alert(\"ran\")'>", encoding="utf-8")
    with SiteServer(tmp_path, "/") as srv:
        ctx = chromium.new_context()
        try:
            watcher = Watcher(srv.origin)
            watcher.attach(ctx)
            page = ctx.new_page()
            page.goto(srv.url, wait_until="load")
            page.wait_for_function("() => document.readyState === 'complete'")
            page.wait_for_timeout(200)
        finally:
            ctx.close()
    assert watcher.foreign_requests == ["https://evil.example/p.gif"]
    assert [d.split(": ", 1)[1] for d in watcher.dialogs] == ["alert: ran"]
