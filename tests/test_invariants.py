"""reviewsite.invariants: a clean build has no findings; every kind of poison is found at its path:line."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from reviewsite.invariants import check_site, theme_inline_scripts, validate_html
from support.sitetools import VNU_JAR


@pytest.fixture(scope="module")
def vnu() -> Path:
    assert VNU_JAR.is_file(), f"{VNU_JAR} is missing: run `python3 scripts/dev.py test` (npm ci in tools/)"
    assert shutil.which("java"), "java is missing: run `python3 scripts/dev.py test` (apt-get default-jre-headless)"
    return VNU_JAR


def test_clean_site_has_no_findings_including_the_html_validator(real_site: Path, vnu: Path):
    problems = check_site(real_site / "site", vnu_jar=vnu)
    assert [str(p) for p in problems] == []


def test_theme_inline_scripts_are_read_from_the_installed_theme():
    assert len(theme_inline_scripts()) >= 3  # base (__md_scope), palette, content (tabs) at least


# (what is injected, where on the mechanism page, the message expected at the injected line)
POISON = [
    ('<a href="javascript:alert(1)">x</a>', "uses a javascript: URL"),
    ('<a href="&#106;avascript:alert(1)">x</a>', "uses a javascript: URL"),
    ('<a href="java&#x09;script:alert(1)">x</a>', "uses a javascript: URL"),
    ('<a href=" \x01JaVaScRiPt:alert(1)">x</a>', "uses a javascript: URL"),
    ('<a href="vbscript:msgbox(1)">x</a>', "uses a vbscript: URL"),
    ('<img alt="" src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">', "uses a data: URL"),
    ('<img alt="" srcset="ok.png 1x, data:image/png;base64,AAAA 2x">', "uses a data: URL"),
    ('<a href="//evil.example/">x</a>', "protocol-relative"),
    ('<a href="http://example.org/">x</a>', "uses a http: URL"),
    ('<svg><a><set attributeName="href" to="javascript:alert(1)"/></a></svg>', "uses a javascript: URL"),
    ('<p onclick="alert(1)">x</p>', "event-handler attribute onclick"),
    ('<img alt="" src="../../assets/images/favicon.png" ONERROR="alert(1)">', "event-handler attribute onerror"),
    ("<script>alert(1)</script>", "inline <script> that is not one of the theme's"),
    ('<script src="https://evil.example/x.js"></script>', "neither the theme's bundle nor one of our assets"),
    ('<script type="module">import "x"</script>', "inline <script> that is not one of the theme's"),
    ('<iframe title="x" src="https://example.org/"></iframe>', "<iframe> element is not allowed"),
    ('<object data="https://example.org/x"></object>', "<object> element is not allowed"),
    ('<base href="https://evil.example/">', "<base> element is not allowed"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', "meta http-equiv=refresh"),
    ('<form action="https://evil.example/"><button>go</button></form>', "<form> with an action"),
    ('<a href="../no-such-page/">x</a>', "no such file in the site"),
    ('<a href="#no-such-anchor">x</a>', "no element with id 'no-such-anchor'"),
    ('<a href="../../matrix/#no-such-anchor">x</a>', "no element with id 'no-such-anchor' in matrix/index.html"),
    ('<a href="../../../../outside/">x</a>', "leaves the site"),
    ('<img alt="" src="../../assets/missing.png">', "no such file in the site"),
]


@pytest.fixture
def poisoned(real_site: Path, tmp_path: Path):
    """A copy of the clean site, and a function that appends a line to one page and returns its line number."""
    site = tmp_path / "site"
    shutil.copytree(real_site / "site", site)
    page = site / "mechanisms" / "cd19-genetic-loss" / "index.html"

    def inject(snippet: str) -> int:
        text = page.read_text(encoding="utf-8")
        marker = "</article>"
        assert marker in text
        before = text[: text.index(marker)]
        page.write_text(before + snippet + "\n" + text[len(before):], encoding="utf-8")
        return before.count("\n") + 1

    return site, inject


@pytest.mark.parametrize(("snippet", "message"), POISON, ids=[p[0][:40] for p in POISON])
def test_each_poison_is_found_at_its_line(poisoned, snippet, message):
    site, inject = poisoned
    line = inject(snippet)
    problems = check_site(site)
    hits = [p for p in problems if message in p.message]
    assert hits, f"{snippet!r} not reported; got {[str(p) for p in problems]}"
    assert all(p.path == "site/mechanisms/cd19-genetic-loss/index.html" and p.line == line for p in hits), hits
    assert not [p for p in problems if p not in hits], "only the injected problem is reported"


def test_escaped_markup_and_scheme_words_in_text_are_not_findings(poisoned):
    site, inject = poisoned
    inject("<p><code>&lt;img src=x onerror=alert(1)&gt;</code> javascript:alert(1) "
           '<span title="javascript:alert(1) onclick=">data:text/html,x</span></p>')
    assert check_site(site) == []


def _poison_fragment(site: Path, url: str, new_url: str) -> Path:
    """Point the search result of `url` at `new_url` in its Pagefind fragment; the fragment's path."""
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        if f'"url":"{url}"'.encode() in data:
            path.write_bytes(gzip.compress(data.replace(f'"url":"{url}"'.encode(), f'"url":"{new_url}"'.encode())))
            return path
    raise AssertionError(f"no fragment for {url}")


def test_search_results_and_sitemap_locations_must_resolve(poisoned):
    site, _ = poisoned
    fragment = _poison_fragment(site, "/mechanisms/cd19-genetic-loss/", "/mechanisms/gone/")
    (site / "strategies" / "cd22-car" / "index.html").unlink()
    messages = [str(p) for p in check_site(site)]
    rel = fragment.relative_to(site.parent).as_posix()
    assert any(m.startswith(f"{rel}:1:1: search result URL '/mechanisms/gone/'") and "no such file" in m
               for m in messages), messages
    assert any(m.startswith("site/sitemap.xml:") and "strategies/cd22-car/" in m for m in messages)
    assert any("strategies/cd22-car/" in m and "no such file" in m and m.startswith("site/mechanisms/") for m in messages)


def test_html_validator_reports_our_errors_with_file_and_line(tmp_path: Path, vnu: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<!doctype html>\n<html lang=en><head><title>t</title></head>\n<body>\n"
        '<p id="a">one</p><p id="a">two</p>\n'
        '<span aria-label="x">y</span>\n'
        # The theme's own known noise is ignored only on the theme's markup:
        '<input class="md-toggle" type="checkbox" autocomplete="off">\n'
        '<input type="checkbox" autocomplete="off">\n'
        "</body></html>\n",
        encoding="utf-8",
    )
    messages = [str(p) for p in validate_html(site, vnu)]
    assert any(m.startswith("site/index.html:4:") and "Duplicate ID" in m for m in messages), messages
    assert any(m.startswith("site/index.html:5:") and "aria-label" in m for m in messages), messages
    assert any(m.startswith("site/index.html:7:") and "autocomplete" in m for m in messages), messages
    assert not any(m.startswith("site/index.html:6:") for m in messages), messages


def test_search_bundle_holds_only_pagefinds_index_and_script(poisoned):
    site, _ = poisoned
    (site / "pagefind" / "pagefind-ui.js").write_text("// Pagefind's UI: not loaded, so not shipped", encoding="utf-8")
    (site / "pagefind" / "fragment" / "x.js").write_text("alert(1)", encoding="utf-8")
    _poison_fragment(site, "/papers/26516065/", "https://evil.example/")
    messages = [str(p) for p in check_site(site)]
    assert "site/pagefind/pagefind-ui.js:1:1: not a file of the search bundle (only Pagefind's index and script)" in messages
    assert any(m.startswith("site/pagefind/fragment/x.js:1:1: not a file of the search bundle") for m in messages)
    assert any("search result URL 'https://evil.example/' is not a path from the site's root" in m for m in messages)
    assert len(messages) == 3, messages


def test_pagefinds_script_is_never_a_page_script(poisoned):
    site, inject = poisoned
    line = inject('<script src="../../pagefind/pagefind.js"></script>')
    problems = check_site(site)
    assert [(p.line, p.message) for p in problems] == [
        (line, "<script src='../../pagefind/pagefind.js'> is neither the theme's bundle nor one of our assets")]

