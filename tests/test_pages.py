"""The built fixture site, read as parsed HTML: citations, "discussed in", the evidence matrix, tags, search,
citation metadata, sizes, mobile and print styles, and the reader's whole journey from home to export.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import bibtexparser
import pytest

from reviewsite.biblio import citation_text, page_range, ris_author
from reviewsite.cite import find_citations
from support.builtsite import HOSTILE_KEY, HOSTILE_TAGS, HOSTILE_TITLE, ROOT, build_site, resolve_href

PAGE_BUDGET = 25 * 1024


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("built"))


BASE = "/fixture/"  # the path of the fixture's site_url


def resolve(page_url: str, href: str) -> tuple[str, str]:
    """Site URL and anchor an href on `page_url` points to (`papers/1/`, `evidence-2`)."""
    return resolve_href(page_url, href, BASE)


def prose_keys(text: str) -> list[str]:
    return [k for g in find_citations(text) for k in g.keys]


# ---------------------------------------------------------------- citations


def test_citations_are_numbered_by_first_use_with_a_reference_list(site):
    url = "mechanisms/cd19-genetic-loss/"
    article = site.article(url)
    mech = site.content.mechanisms["cd19-genetic-loss"]
    resolve_key = site.index.resolve
    # Independent expectation: the order papers are first cited in summary, then each finding and its cites.
    keys = prose_keys(mech.summary)
    for ev in mech.evidence:
        keys += prose_keys(ev.finding) + list(ev.cites)
    order = list(dict.fromkeys(resolve_key(k) for k in keys))
    assert order == ["26516065", "29155426", "rosenbaum-2017"]

    numbers = [int(a.contents[0]) for a in article.select("a.rs-cite")]
    assert numbers == [1, 1, 2, 1, 3]
    refs = article.select("ol.rs-references > li")
    assert [li["id"] for li in refs] == ["ref-1", "ref-2", "ref-3"]
    for n, (li, key) in enumerate(zip(refs, order, strict=True), 1):
        link = li.a
        assert resolve(url, link["href"])[0] == f"papers/{key}/"
        assert link.get_text() == citation_text(site.content.papers[key].record)
        for cite in article.select(f'a.rs-cite[href="#ref-{n}"]'):
            tip = cite.select_one(".rs-tip")
            assert tip.get_text() == link.get_text(), "hovering or focusing shows the reference"
            assert tip.has_attr("data-search-exclude") and tip.has_attr("data-pagefind-ignore")
    assert article.select_one("h2#references").has_attr("data-search-exclude")
    assert article.select_one("ol.rs-references").has_attr("data-pagefind-ignore")


def test_citation_numbers_start_at_one_on_every_page(site):
    for path in site.site.rglob("index.html"):
        html = path.read_text(encoding="utf-8")
        if "rs-cite" not in html:
            continue
        url = path.parent.relative_to(site.site).as_posix()
        article = site.article("" if url == "." else url + "/")
        seen = 0
        for a in article.select("a.rs-cite"):
            n = int(a.contents[0])
            assert n <= seen + 1, f"{url}: [{n}] used before [{seen + 1}]"
            seen = max(seen, n)
            assert article.find(id=f"ref-{n}") is not None
        assert len(article.select("ol.rs-references > li")) == seen


# ---------------------------------------------------------------- discussed in


def expected_discussed(site, key: str) -> set[str]:
    """Every place that cites paper `key`, computed from the content: `mechanisms/x/#evidence-2` etc."""
    resolve_key = site.index.resolve
    out = set()

    def cites(keys) -> bool:
        return any(resolve_key(k) == key for k in keys)

    for kind, items in (("mechanisms", site.content.mechanisms), ("strategies", site.content.strategies),
                        ("overviews", site.content.overviews)):
        for slug, item in items.items():
            base = f"{kind}/{slug}/"
            if cites(prose_keys(item.summary)) or any(cites(prose_keys(s.body)) for s in getattr(item, "sections", [])):
                out.add(base)
            for i, ev in enumerate(item.evidence, 1):
                if cites([*ev.cites, *prose_keys(ev.finding)]):
                    out.add(f"{base}#evidence-{i}")
            if any(cites(t.cites) for t in getattr(item, "trials", [])):
                out.add(f"{base}#trials")
    review = site.content.review
    if any(cites(prose_keys(p)) for p in review.key_points):
        out.add("#key-points")
    if review.overview and cites(prose_keys(review.overview)):
        out.add("#overview")
    return out


def test_every_paper_page_lists_everywhere_it_is_discussed(site):
    for key in site.content.papers:
        url = f"papers/{key}/"
        article = site.article(url)
        found = set()
        for a in article.select("ul.rs-discussed ul a"):
            target, anchor = resolve(url, a["href"])
            found.add(target + (f"#{anchor}" if anchor else ""))
            page = site.html(target)
            if anchor:
                assert page.find(id=anchor) is not None, f"{url} links to missing #{anchor} on {target}"
        assert found == expected_discussed(site, key), key
    assert expected_discussed(site, "26516065") == {
        "mechanisms/cd19-genetic-loss/", "mechanisms/cd19-genetic-loss/#evidence-1",
        "mechanisms/cd19-genetic-loss/#evidence-2", "#overview", "overviews/failure-patterns/",
    }


def test_paper_not_cited_anywhere_says_so_and_names_its_topics(site):
    article = site.article("papers/32983132/")
    assert article.select("ul.rs-discussed") == []
    assert "Not cited on this site yet" in article.get_text()
    topics = article.select_one("p.rs-topics")
    assert [a.get_text() for a in topics.find_all("a")] == ["Limited CAR T persistence"]


# ---------------------------------------------------------------- evidence matrix


def _linking_items(site, kind: str, slug: str, other_kind: str, other_slug: str) -> list[str]:
    """`kind/slug/#evidence-N` of the items on one page citing a paper that informs the other side."""
    index = site.index
    out = []
    for n, ev in enumerate(index.item(kind, slug).evidence, 1):
        if any(any(t.kind == other_kind and t.slug == other_slug for t in index.topics[p])
               for p in index.evidence_papers(ev)):
            out.append(f"{kind}/{slug}/#evidence-{n}")
    return out


def test_matrix_cells_count_exactly_the_evidence_they_open(site):
    """Each cell's number is the number of evidence items its link lists, and each listed item opens the
    evidence item itself; a cell with no evidence says "none"; no cell reads "0"."""
    url = "matrix/"
    article = site.article(url)
    b = site.index
    columns = [a.select_one(".rs-sr").get_text() for a in article.select("table.rs-matrix thead th a")]
    assert columns == [s.title for _, s in b.strategies]
    assert [li.a.get_text() for li in article.select("ol.rs-matrix-key > li")] == columns
    rows = article.select("table.rs-matrix tbody tr")
    assert [tr.th.get_text() for tr in rows] == [m.title for _, m in b.mechanisms]
    for (mslug, _), tr in zip(b.mechanisms, rows, strict=True):
        for (sslug, strategy), td in zip(b.strategies, tr.find_all("td"), strict=True):
            addresses = mslug in strategy.addresses
            assert ("rs-cell--yes" in td["class"]) == addresses
            shown = td.select_one("[aria-hidden]").get_text()
            expected = sorted(_linking_items(site, "strategies", sslug, "mechanisms", mslug)
                              + _linking_items(site, "mechanisms", mslug, "strategies", sslug))
            if td.a is None:
                assert not addresses and not expected and shown == "·"
                continue
            assert "0" not in shown.split()
            count = int(re.sub(r"\D", "", shown) or 0)
            assert shown.startswith("●") == addresses and (count == 0) == ("none" in shown)
            target, anchor = resolve(url, td.a["href"])
            assert (target, anchor) == (url, f"pair-{mslug}--{sslug}")
            entry = article.find(id=anchor)
            opened = [resolve(url, a["href"]) for a in entry.select("ul.rs-pair__items--counted > li > a")]
            assert len(opened) == count, f"cell {mslug} x {sslug} says {shown!r} but lists {len(opened)}"
            assert sorted(f"{t}#{a}" for t, a in opened) == expected
            for target, anchor in opened:
                assert site.html(target).find(id=anchor) is not None
            if not count:
                assert "No evidence item on this site links them yet." in entry.get_text()
    # The fixture's pair: the strategy's evidence cites a paper that informs the mechanism, and the
    # mechanism's second finding cites the strategy's paper in its text: two linked items, both listed.
    cell = rows[0].find_all("td")[0]
    assert cell.get_text(strip=True).startswith("● 2")
    entry = article.find(id="pair-cd19-genetic-loss--cd22-car")
    assert [resolve(url, a["href"]) for a in entry.select("ul.rs-pair__items--counted > li > a")] == [
        ("strategies/cd22-car/", "evidence-1"), ("mechanisms/cd19-genetic-loss/", "evidence-2")]


# ---------------------------------------------------------------- tags


def test_tags_index_and_chips(site):
    tags_page = site.article("tags/")
    anchors = {h["id"]: h.get_text(strip=True).rstrip("¶") for h in tags_page.select("h2[id^='tag-']")}
    expected = set()
    for m in site.content.mechanisms.values():
        expected |= {*m.diseases, *m.antigens, *m.products}
    for s in site.content.strategies.values():
        expected |= {*s.diseases, *s.antigens, *s.products}
    for p in site.content.papers.values():
        expected |= set(p.curation.tags)
    assert set(anchors.values()) == expected
    assert tags_page.find("b") is None, "tag names are text, never markup"
    for url in ("mechanisms/cd19-genetic-loss/", "strategies/cd22-car/", f"papers/{HOSTILE_KEY}/"):
        chips = site.article(url).select("p.rs-chips a.rs-chip")
        assert chips, url
        for chip in chips:
            target, anchor = resolve(url, chip["href"])
            assert target == "tags/" and anchor in anchors, (url, chip["href"])
            assert anchors[anchor] == chip.contents[-1]
        assert site.html(url).select_one("nav.md-tags") is None, "our own tags index, not the theme's plugin"
    hostile = [c.contents[-1] for c in site.article(f"papers/{HOSTILE_KEY}/").select("a.rs-chip")]
    assert hostile == HOSTILE_TAGS
    mech = {c.contents[-1]: c["class"][-1] for c in site.article("mechanisms/cd19-genetic-loss/").select("a.rs-chip")}
    assert mech == {"B-ALL": "rs-chip--disease", "CD19": "rs-chip--antigen"}


# Search (Pagefind: authors, PMIDs, what is left out, result groups) is tested in test_search.py.


# ---------------------------------------------------------------- citation metadata (Zotero, Google Scholar)


def meta(page, name: str) -> list[str]:
    return [m["content"] for m in page.head.find_all("meta", attrs={"name": name})]


def test_paper_pages_carry_citation_meta_tags(site):
    for key, paper in site.content.papers.items():
        rec = paper.record
        page = site.html(f"papers/{key}/")
        assert meta(page, "citation_title") == [rec.title]
        assert meta(page, "citation_author") == [ris_author(a) for a in rec.authors]
        date = rec.published or rec.epublished
        assert meta(page, "citation_publication_date") == ([date.replace("-", "/")] if date else [])
        assert meta(page, "citation_journal_title") == [rec.journal or rec.journal_abbrev]
        assert meta(page, "citation_doi") == ([rec.doi] if rec.doi else [])
        assert meta(page, "citation_pmid") == ([rec.pmid] if rec.pmid else [])
        first, last = page_range(rec.pages)
        assert meta(page, "citation_firstpage") == ([first] if first else [])
        assert meta(page, "citation_lastpage") == ([last] if last else [])
    assert not site.html("").head.find_all("meta", attrs={"name": re.compile("^citation_")})


def test_hostile_text_stays_text(site):
    page = site.html(f"papers/{HOSTILE_KEY}/")
    assert page.find("script", string=re.compile("alert")) is None
    hostile = site.search_records[f"papers/{HOSTILE_KEY}/"]
    assert hostile["meta"]["title"] == HOSTILE_TITLE, "search holds the title as text (the dialog shows it as text)"
    assert page.head.title.get_text().startswith(HOSTILE_TITLE)
    assert page.select_one("article h1").get_text() == HOSTILE_TITLE
    assert meta(page, "citation_title") == [HOSTILE_TITLE]
    assert not page.select("article b, article a[href^='javascript']")


# ---------------------------------------------------------------- size, phones, print


def test_paper_pages_stay_small(site):
    sizes = {p.parent.name: p.stat().st_size for p in (site.site / "papers").glob("*/index.html")}
    assert sizes and max(sizes.values()) <= PAGE_BUDGET, sizes


def test_home_to_mechanism_to_paper_to_bibtex_to_discussed_in_to_filtered_literature(site):
    # Home -> a mechanism.
    home = site.article("")
    link = next(a for a in home.select(".rs-card__title a") if a.get_text() == "CD19 loss by mutation and splicing")
    mech_url, _ = resolve("", link["href"])
    assert mech_url == "mechanisms/cd19-genetic-loss/"

    # Its evidence, with numbered citations, each pointing at a reference that links to the paper.
    mech = site.article(mech_url)
    first = mech.select_one("ol.rs-evidence > li#evidence-1")
    cite = first.select_one("sup.rs-cites a.rs-cite")
    assert cite.contents[0] == "1"
    ref = mech.find(id=cite["href"][1:])
    paper_url, _ = resolve(mech_url, ref.a["href"])
    assert paper_url == "papers/26516065/"

    # The paper: its BibTeX, shown and downloadable, imports cleanly.
    paper = site.article(paper_url)
    shown = paper.select_one("pre.rs-bibtex code").get_text()
    bib = next(a for a in paper.select(".rs-cite-block a[data-rs-save]") if a.get_text() == "BibTeX")
    assert paper.find(id=bib["data-rs-save"]).get_text() == shown  # the page's script saves exactly this text
    assert bib["href"] == "#" + bib["data-rs-save"] and bib["data-rs-file"] == "26516065.bib"
    (entry,) = bibtexparser.parse_string(shown).entries
    assert entry.key == site.index.citekeys["26516065"]
    assert entry.fields_dict["doi"].value == site.content.papers["26516065"].record.doi

    # Everywhere it is discussed, including the evidence item we came from.
    back = {resolve(paper_url, a["href"]) for a in paper.select("ul.rs-discussed ul a")}
    assert (mech_url, "evidence-1") in back

    # The literature, filtered to papers citing the review in 2020-2024 (the page script's logic, under Node).
    node = shutil.which("node")
    assert node is not None, "node is installed by `python3 scripts/dev.py test`"
    rows = []
    for tr in site.article("literature/").select("#literature-table tbody tr"):
        rows.append({"href": tr.td.a["href"], "year": int(tr["data-year"]) if tr["data-year"] else None,
                     "relations": tr["data-relation"].split(), "topics": tr["data-topics"].split(),
                     "types": [t for t in tr["data-types"].split("|") if t], "title": tr.td.get_text(),
                     "author": "", "text": tr.get_text(" ")})
    explorer = json.dumps(str(Path(ROOT, "templates", "assets", "explorer.js")))
    script = (f"const E = require({explorer}); const rows = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "process.stdout.write(JSON.stringify(E.apply(rows, E.parseState("
              "'?relation=cites-review&from=2020&to=2024')).map(r => r.href)));")
    out = subprocess.run([node, "-e", script], input=json.dumps(rows), capture_output=True, text=True, timeout=60,
                         check=True)
    assert [h.strip("/").split("/")[-1] for h in json.loads(out.stdout)] == ["39113729", "36382675", "32983132"]
