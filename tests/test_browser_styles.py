"""What the stylesheet does, measured in Chromium rather than grepped from the CSS: citation tooltips
appear on keyboard focus and go on Escape; printing keeps the article and its references and drops the
site's chrome and the tooltips."""

from __future__ import annotations

import pytest

from support.sitetools import SiteServer, base_path

pytestmark = pytest.mark.browser

MECHANISM = "mechanisms/cd19-genetic-loss/"


@pytest.fixture(scope="module")
def server(real_site):
    with SiteServer(real_site / "site", base_path(real_site)) as srv:
        yield srv


@pytest.fixture
def page(chromium, server):
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    tab = ctx.new_page()
    yield tab
    ctx.close()


def shown(page, selector: str) -> bool:  # noqa: ANN001 - a playwright Page
    return page.eval_on_selector(selector, "e => getComputedStyle(e).display !== 'none' && "
                                           "getComputedStyle(e).visibility !== 'hidden' && e.getClientRects().length > 0")


def test_a_citation_tooltip_shows_on_focus_and_escape_hides_it(page, server):
    page.goto(server.url + MECHANISM)
    tip = "article a.rs-cite >> nth=0 >> span.rs-tip"
    assert not shown(page, "article a.rs-cite span.rs-tip")
    page.focus("article a.rs-cite >> nth=0")
    assert page.locator(tip).is_visible()
    page.keyboard.press("Escape")
    assert not page.locator(tip).is_visible()


def test_print_keeps_the_article_and_references_and_drops_the_chrome(page, server):
    page.goto(server.url + MECHANISM)
    page.emulate_media(media="print")
    for chrome in (".md-header", ".md-sidebar--primary", ".md-footer"):
        assert not page.locator(chrome).first.is_visible(), chrome
    assert page.locator("article ol.rs-references").is_visible()
    assert page.locator("article ol.rs-evidence").is_visible()
    page.focus("article a.rs-cite >> nth=0")
    assert not page.locator("article a.rs-cite >> nth=0 >> span.rs-tip").is_visible()
