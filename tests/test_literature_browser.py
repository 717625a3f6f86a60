"""The literature explorer as a reader meets it, in Debian's Chromium (Playwright): compact rows on a screen,
cards on a phone, rows loaded on demand when the page lists only the newest papers (the search site of
tests/support/searchsite.py, `literature_rows: 3`), and filters and sort kept in the URL across a reload
(the fixture site, whose page lists every paper).
"""

from __future__ import annotations

import re

import pytest

from support.searchsite import MANY_AUTHORS_KEY, PAGE_ROWS, open_page
from support.sitetools import ARTIFACTS, SiteServer, Watcher, base_path

pytestmark = pytest.mark.browser


ROW_LIMIT = 160
SCREENSHOTS = ARTIFACTS / "screenshots"


ROWS = """() => [...document.querySelectorAll('#literature-table tbody tr')].filter(tr => !tr.hidden)
  .map(tr => ({key: tr.dataset.key, relation: tr.dataset.relation || '', year: tr.dataset.year || '',
               title: tr.querySelector('td').innerText.trim(), height: tr.getBoundingClientRect().height}))"""


def test_literature_rows_are_compact_on_a_screen_and_cards_on_a_phone(search_context, search_server):
    page = open_page(search_context, search_server.url + "literature/")
    page.locator("#literature-more").click()  # more rows, some built from the JSON
    page.wait_for_function(f"() => document.querySelectorAll('#literature-table tbody tr').length === {2 * PAGE_ROWS}")
    rows = page.evaluate(ROWS)
    assert max(r["height"] for r in rows) < ROW_LIMIT, rows
    relation = page.locator("#literature-table td.rs-lit-relation").first.bounding_box()
    assert relation is not None and relation["width"] > 40 and relation["x"] + relation["width"] <= 1280
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    topics = page.locator("#literature-table td.rs-lit-topics summary")
    opened = page.locator("#literature-table details[open]")
    assert topics.count() >= 2
    topics.nth(0).click()
    topics.nth(1).click()  # the first list floats beside its own summary, not over the others
    assert opened.count() == 1, "one topics list open at a time"
    page.keyboard.press("Escape")
    assert opened.count() == 0
    topics.nth(0).click()
    page.locator("h1").first.click()
    assert opened.count() == 0, "a click elsewhere closes it"
    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_function("() => document.documentElement.clientWidth === 375")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert page.evaluate("() => getComputedStyle(document.querySelector('#literature-table tbody tr')).display") == "flex"
    assert not page.locator("#literature-table thead").is_visible(), "a card needs no column headings"
    years = page.evaluate("""() => [...document.querySelectorAll('#literature-table td.rs-lit-year')].map(td => {
        const r = td.getBoundingClientRect();
        return {text: td.innerText.trim(), cut: td.scrollWidth > td.clientWidth + 1 || r.right > 375};
      })""")
    assert years and all(not y["cut"] for y in years), years
    assert all(re.fullmatch(r"\d{4}|", y["text"]) for y in years), years
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "literature-cards-375.png"), full_page=True)
    assert search_context.watcher.problems() == []


def test_literature_loads_the_other_papers_only_when_asked(search_context, search_server, search_project):
    total = len(list((search_project / "content" / "papers").glob("*.yaml")))
    page = open_page(search_context, search_server.url + "literature/")
    assert len(page.evaluate(ROWS)) == PAGE_ROWS
    count = page.locator("#literature-count")
    assert count.inner_text() == f"Showing the newest {PAGE_ROWS} of {total} papers."
    assert not [u for u in page.requests if u.endswith("rows.json")], "nothing loaded before it is needed"

    page.locator("form#literature-filters select[name=relation]").select_option("similar")
    page.wait_for_function("() => new URLSearchParams(location.search).get('relation') === 'similar'")
    page.wait_for_function("() => /papers match/.test(document.getElementById('literature-count').textContent)")
    assert [u for u in page.requests if u.endswith("/literature/rows.json")]
    similar = page.evaluate(ROWS)
    assert MANY_AUTHORS_KEY in [r["key"] for r in similar], "a paper that was not in the page"
    assert all("similar" in r["relation"].split() for r in similar)
    link = page.locator(f"#literature-table tr[data-key='{MANY_AUTHORS_KEY}'] td.rs-lit-title a")
    assert link.get_attribute("href").endswith(f"/papers/{MANY_AUTHORS_KEY}/")

    page.reload(wait_until="load")
    page.wait_for_function("() => /papers match/.test(document.getElementById('literature-count').textContent)")
    assert page.evaluate(ROWS) == similar

    tagged = open_page(search_context, search_server.url + "literature/?tag=cytopenia")  # the tags page links like this
    tagged.wait_for_function("() => /papers match/.test(document.getElementById('literature-count').textContent)")
    assert [r["key"] for r in tagged.evaluate(ROWS)] == ["36382675"]
    assert tagged.locator("form#literature-filters select[name=tag]").input_value() == "cytopenia"
    assert search_context.watcher.problems() == []


@pytest.fixture
def fixture_context(chromium, real_site):
    with SiteServer(real_site / "site", base_path(real_site)) as srv:
        ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="UTC")
        ctx.watcher = Watcher(srv.origin)
        ctx.watcher.attach(ctx)
        ctx.url = srv.url
        yield ctx
        ctx.close()


def test_literature_explorer_filters_sorts_and_reloads_to_the_same_view(fixture_context):
    context = fixture_context
    page = open_page(context, context.url + "literature/")
    form = page.locator("form#literature-filters")
    form.wait_for(state="visible")
    everything = page.evaluate(ROWS)
    references = [r for r in everything if "reference" in r["relation"].split()]
    assert 0 < len(references) < len(everything), "the fixture needs references of the review and other papers"

    form.locator("select[name=relation]").select_option("reference")
    page.wait_for_function("() => new URLSearchParams(location.search).get('relation') === 'reference'")
    assert sorted(r["title"] for r in page.evaluate(ROWS)) == sorted(r["title"] for r in references)

    form.locator("select[name=sort]").select_option("year-asc")
    page.wait_for_function("() => new URLSearchParams(location.search).get('sort') === 'year-asc'")
    assert [r["year"] for r in page.evaluate(ROWS)] == sorted(r["year"] for r in references)
    page.wait_for_function("() => document.querySelector('#literature-table th[aria-sort]')"
                           "?.getAttribute('aria-sort') === 'ascending'")

    form.locator("input[name=text]").fill("Rosenbaum")
    page.wait_for_function("() => new URLSearchParams(location.search).get('text') === 'Rosenbaum'")
    page.wait_for_function("() => document.querySelectorAll('#literature-table tbody tr').length === 1")
    assert [r["title"] for r in page.evaluate(ROWS)] == ["Tragedy, perseverance, and chance - the story of CAR-T therapy"]
    form.locator("input[name=text]").fill("")
    page.wait_for_function("() => !new URLSearchParams(location.search).get('text')")

    page.wait_for_function("() => document.querySelectorAll('#literature-table tbody tr').length > 1")
    view, filtered_url = page.evaluate(ROWS), page.url
    page.reload(wait_until="load")
    form.wait_for(state="visible")
    assert page.url == filtered_url
    assert page.evaluate(ROWS) == view
    assert form.locator("select[name=relation]").input_value() == "reference"
    assert form.locator("select[name=sort]").input_value() == "year-asc"

    fresh = open_page(context, filtered_url)  # the same URL opened cold (a shared link): the same view
    assert fresh.evaluate(ROWS) == view
    assert not [u for u in page.requests + fresh.requests if u.endswith("rows.json")], "every paper is in the page"
    assert context.watcher.problems() == []
