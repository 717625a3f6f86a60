"""Contributor Markdown becomes inert, sanitised HTML; citations become numbered references."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from reviewsite import prose


def citer(known: dict[str, str]) -> prose.Citer:
    def marker(c: prose.Citer, refs: list[prose.Reference]) -> str:
        return "".join(f'<a class="rs-cite" href="#ref-{r.number}">{r.number}</a>' for r in refs)

    return prose.Citer(resolve=known.get, render_marker=marker)


PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    '[x](https://a "t\\" onmouseover=\\"alert(1)")',
    "para\n{: onclick=\"alert(1)\" }",
    "<svg><a><set attributeName=\"href\" to=\"javascript:alert(1)\"/></a></svg>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "[x](//evil.example/x)",
    "![x](https://tracker.example/p.gif)",
    "<iframe src=https://evil.example></iframe>",
    "--8<-- \".env\"",
    "{{ 7*7 }} {% include 'mkdocs.yml' %}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert(payload):
    html = prose.render(payload)
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name in prose.ALLOWED_TAGS, tag
        for attr, value in tag.attrs.items():
            assert not attr.startswith("on"), tag
            if attr == "href":
                assert value.startswith("https://"), tag
    assert soup.find("img") is None


def test_template_and_snippet_syntax_stays_literal():
    html = prose.render("{{ 7*7 }} and --8<-- \".env\"")
    assert "{{ 7*7 }}" in html
    assert "--8&lt;--" in html


def test_https_links_survive_with_rel():
    soup = BeautifulSoup(prose.render("[PubMed](https://pubmed.ncbi.nlm.nih.gov/1/)"), "html.parser")
    link = soup.find("a")
    assert link["href"] == "https://pubmed.ncbi.nlm.nih.gov/1/"
    assert "noopener" in link["rel"]


def test_headings_and_images_are_not_rendered():
    soup = BeautifulSoup(prose.render("# Fake heading\n\n![img](https://x.example/a.png)"), "html.parser")
    assert soup.find("h1") is None
    assert soup.find("img") is None


def test_citations_numbered_in_order_of_first_use():
    c = citer({"pmid:1": "a", "pmid:2": "b", "pmid:3": "c"})
    first = prose.render("See [@pmid:2; @pmid:1].", c)
    second = prose.render("Again [@pmid:1] and [@pmid:3].", c)
    assert [a.text for a in BeautifulSoup(first, "html.parser").select("a.rs-cite")] == ["1", "2"]
    assert [a.text for a in BeautifulSoup(second, "html.parser").select("a.rs-cite")] == ["2", "3"]
    assert c.order == ["b", "a", "c"]


def test_placeholder_characters_in_input_cannot_forge_citations():
    """Citations are held as `\ue000N\ue001` while Markdown is rendered: the same characters in the input
    must neither become a second citation nor survive into the page."""
    c = citer({"pmid:1": "a"})
    forged = "text \ue0000\ue001 and \ue0001\ue001 [@pmid:1]"
    html = prose.render(forged, c)
    assert html.count('class="rs-cite"') == 1
    assert "\ue000" not in html and "\ue001" not in html
    assert c.order == ["a"]


def test_plain_text_for_descriptions():
    assert prose.plain("**Bold** claim [@pmid:1].") == "Bold claim."
    assert prose.plain("word " * 200, limit=50).endswith("…")
    assert prose.plain("<script>x</script> & y") == "<script>x</script> & y"
