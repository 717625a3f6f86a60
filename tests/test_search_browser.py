"""Site search as a reader meets it, in Debian's Chromium (Playwright), on the search site of
tests/support/searchsite.py (a paper with seven authors, the fixture's papers, the literature fixtures).
"""

from __future__ import annotations

import re

import pytest

from support.searchsite import FIFTH_AUTHOR, MANY_AUTHORS_KEY, open_page
from support.sitetools import axe_violations

pytestmark = pytest.mark.browser


def search(page, query: str) -> list[str]:  # noqa: ANN001
    """Open search (if closed), type `query`, and return the result links in order, as site paths."""
    if not page.locator("#rs-search").evaluate("d => d.open"):
        page.locator("[data-rs-search-open]").first.click()
    box = page.locator("#rs-search-input")
    box.fill("")
    box.press_sequentially(query, delay=10)
    page.wait_for_function("""q => document.getElementById('rs-search-status').textContent.includes('“' + q + '”')
                                  && !document.querySelector('#rs-search-results li.rs-search__hit[hidden]')""", arg=query)
    prefix = re.compile(r"^https?://[^/]+")
    return [prefix.sub("", a.get_attribute("href") or "")
            for a in page.locator("#rs-search-results a.rs-search__link").all()]


def test_search_finds_a_paper_by_its_fifth_author(search_context, search_server):
    page = open_page(search_context, search_server.url + "about/")
    found = search(page, FIFTH_AUTHOR)
    assert found and found[0].endswith(f"/papers/{MANY_AUTHORS_KEY}/"), found
    page.locator("#rs-search-results a.rs-search__link").first.click()
    page.wait_for_url(re.compile(rf"/papers/{MANY_AUTHORS_KEY}/$"))
    assert search_context.watcher.problems() == []


def test_an_author_is_found_as_a_reference_writes_them_whatever_the_case_or_accents(search_context, search_server):
    """Authors come from the author index (reviewsite/authorindex.py): family name, given names, initials."""
    page = open_page(search_context, search_server.url)
    for query in (f"{FIFTH_AUTHOR} Q", FIFTH_AUTHOR.lower(), "Quillfea", "Fairbairn F", "fäirbäirn"):
        found = search(page, query)
        assert any(url.endswith(f"/papers/{MANY_AUTHORS_KEY}/") for url in found), (query, found)
    assert page.locator("#rs-search-authors").text_content().startswith("By author")
    assert not any(url.endswith(f"/papers/{MANY_AUTHORS_KEY}/") for url in search(page, "Fairbairn Q")), \
        "every word must belong to the same author"
    assert search_context.watcher.problems() == []


def test_search_finds_a_paper_by_its_pmid_and_by_a_middle_author_of_a_real_record(search_context, search_server):
    page = open_page(search_context, search_server.url)
    assert search(page, "29155426")[0].endswith("/papers/29155426/")
    assert any(url.endswith("/papers/36382675/") for url in search(page, "Fan")), "the 6th of 7 authors"
    assert search_context.watcher.problems() == []


def test_topic_words_rank_the_mechanism_above_the_papers(search_context, search_server):
    """'Splicing' is in the title of a paper, and in the text of the mechanism page it belongs to."""
    page = open_page(search_context, search_server.url)
    found = search(page, "splicing")
    assert found[0].endswith("/mechanisms/cd19-genetic-loss/"), found
    assert any(url.endswith("/papers/26516065/") for url in found)
    first_paper = next(i for i, url in enumerate(found) if "/papers/" in url)
    topics = [i for i, url in enumerate(found) if re.search(r"/(mechanisms|strategies|overviews)/[^/]+/$", url)]
    assert topics and max(topics) < first_paper, found
    assert page.locator("#rs-search-results h2").first.text_content().startswith("Topics")


def test_nothing_is_downloaded_for_search_until_a_reader_opens_it(search_context, search_server):
    page = open_page(search_context, search_server.url + "literature/")
    page.wait_for_load_state("networkidle")
    index = re.compile(r"/pagefind/|search_index\.json$|/search\.json$|/workers/search|sitemap\.xml$")
    assert [u for u in page.requests if index.search(u)] == [], "no search index (nor the sitemap Material fetches beside a rel=alternate link) before search opens"
    page.locator("[data-rs-search-open]").first.click()
    page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('/pagefind/'))")
    assert search(page, "CD22")
    fetched = {u.rsplit("/", 2)[-2] for u in page.requests if "/pagefind/" in u}
    assert {"pagefind", "index", "fragment"} <= fetched, fetched
    assert not [u for u in page.requests if u.endswith(("search_index.json", "/search.json"))]
    assert search_context.watcher.problems() == []


def test_search_dialog_has_a_name_works_from_the_keyboard_and_passes_axe(search_context, search_server):
    page = open_page(search_context, search_server.url + "mechanisms/cd19-genetic-loss/")
    button = page.locator("[data-rs-search-open]").first
    assert button.is_visible() and button.get_attribute("aria-haspopup") == "dialog"
    page.keyboard.press("/")
    dialog = page.get_by_role("dialog", name="Search this site")
    dialog.wait_for(state="visible")
    assert page.evaluate("() => document.activeElement.id") == "rs-search-input"
    assert search(page, "CD22")
    for theme in ("default", "slate"):
        page.evaluate(f"() => document.body.setAttribute('data-md-color-scheme', '{theme}')")
        found = [f"{v['id']} at {n['target']}: {n['summary']}" for v in axe_violations(page) for n in v["nodes"]]
        assert found == [], f"axe with search open ({theme}):\n" + "\n".join(found)
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.classList.contains('rs-search__link')")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.getElementById('rs-search').open")
    button.click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.getElementById('rs-search').open")
    assert page.evaluate("() => document.activeElement.hasAttribute('data-rs-search-open')"), "focus goes back"
    assert search_context.watcher.problems() == []


def test_search_on_a_phone_fills_the_screen_and_a_query_in_the_url_opens_it(search_context, search_server):
    page = open_page(search_context, search_server.url + "?q=" + FIFTH_AUTHOR, width=375)
    page.wait_for_function("() => document.getElementById('rs-search').open")
    page.wait_for_function("() => document.querySelectorAll('#rs-search-results a').length > 0")
    box = page.locator("#rs-search").bounding_box()
    assert box is not None and box["width"] >= 370 and box["height"] >= 800
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert page.locator("#rs-search-results a").first.get_attribute("href").endswith(f"/papers/{MANY_AUTHORS_KEY}/")
    assert search_context.watcher.problems() == []
