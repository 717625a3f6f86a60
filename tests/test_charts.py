"""Build-time SVG pictures: well-formed, accessible (title, description, the same data as a table), escaped."""

from __future__ import annotations

import collections
import xml.etree.ElementTree as ET

import pytest

from reviewsite.charts import Node, Series, flow_diagram, year_chart
from reviewsite.siteindex import NO_RELATION
from reviewsite.views.literature import SERIES_COLOURS
from support.builtsite import build_site

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert(1)</script> & "quotes"'


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root


def labelled_by(root: ET.Element) -> tuple[str, str]:
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    title, desc = ids[root.get("aria-labelledby")], ids[root.get("aria-describedby")]
    assert title.tag == SVG + "title" and desc.tag == SVG + "desc"
    return title.text, desc.text


def test_year_chart_counts_escapes_and_describes_itself():
    series = [Series("a", EVIL, "#123456"), Series("b", "Other", "#654321"), Series("c", "Unused", "#000000")]
    items = [(2019, "a"), (2019, "b"), (2021, "a"), (None, "a"), (2021, "a")]
    chart = year_chart(items, series, ident="t1", title=f"Title {EVIL}")
    root = parse(chart.svg)
    assert root.get("role") == "img"
    title, desc = labelled_by(root)
    assert title == f"Title {EVIL}"
    assert "4 papers" in desc and "2019 to 2021" in desc and "1 papers without a year" in desc
    assert "<script" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert len(root.findall(f".//{SVG}rect[@class='rs-bar']")) == 3  # 2019 a, 2019 b, 2021 a
    assert chart.head == ["Year", EVIL, "Other", "Total"], "unused series are left out"
    assert chart.rows == [["2019", "1", "1", "2"], ["2021", "2", "0", "2"]]
    assert chart.note == "1 papers have no publication year."
    assert year_chart([(None, "a")], series, ident="t2", title="x") is None


def test_flow_diagram_links_every_node_and_escapes_labels():
    left = [Node("m1", EVIL, "../mechanisms/m1/"), Node("m2", "Second mechanism with a very long title that wraps "
                                                         "over two lines and then some more words", "m2/")]
    right = [Node("s1", "Strategy one", "s1/", "Approved"), Node("s2", "Strategy two", "s2/")]
    svg = flow_diagram(left, right, [("m1", "s1"), ("m2", "s1"), ("m2", "s2"), ("m1", "missing")], ident="d",
                       title=EVIL, left_heading="Mechanisms", right_heading="Strategies")
    root = parse(svg)
    assert root.get("role") == "group"
    assert labelled_by(root)[0] == EVIL
    links = root.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == ["../mechanisms/m1/", "m2/", "s1/", "s2/"]
    assert [a.get("aria-label") for a in links][:1] == [EVIL]
    assert links[2].get("aria-label") == "Strategy one (Approved)"
    assert len(root.findall(f".//{SVG}path")) == 3, "edges to unknown nodes are dropped"
    assert "<script" not in svg
    for a in links:
        lines = [t.text for t in a.iter(SVG + "tspan")]
        assert 1 <= len(lines) <= 3 and all(len(t) <= 38 for t in lines)
        assert not lines[-1].endswith("…"), "titles of up to three lines are shown whole"


# ---------------------------------------------------------------- on the built site


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("built"))


def expected_year_table(site) -> list[list[str]]:
    keys = list(SERIES_COLOURS)
    counts: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    for paper in site.content.papers.values():
        date = paper.record.published or paper.record.epublished
        if date:
            primary = next((k for k in keys if k in paper.relations), NO_RELATION)
            counts[int(date[:4])][primary] += 1
    used = [k for k in keys if any(c[k] for c in counts.values())]
    return [[str(y), *(str(counts[y][k]) for k in used), str(sum(counts[y].values()))] for y in sorted(counts)]


@pytest.mark.parametrize("url", ["", "literature/"])
def test_year_chart_on_home_and_literature_pages(site, url):
    figure = site.article(url).select_one("figure.rs-figure:has(svg.rs-chart)")
    assert figure is not None and figure.has_attr("data-search-exclude")
    svg = figure.select_one("svg.rs-chart")
    assert svg["role"] == "img"
    assert figure.find(id=svg["aria-labelledby"]).name == "title"
    assert figure.find(id=svg["aria-describedby"]).name == "desc"
    table = figure.select_one("details table")
    rows = [[c.get_text() for c in tr.find_all(["th", "td"])] for tr in table.select("tbody tr")]
    assert rows == expected_year_table(site)
    assert figure.figcaption is not None


def test_mechanism_strategy_diagram_on_home_page(site):
    figure = site.article("").select_one("figure.rs-figure--diagram")
    svg = figure.select_one("svg.rs-diagram")
    assert figure.find(id=svg["aria-labelledby"]).name == "title"
    nodes = svg.select("a.rs-node")
    b = site.index
    assert len(nodes) == len(b.mechanisms) + len(b.strategies)
    for a in nodes:
        assert site.file("", a["href"]).is_file(), a["href"]
    edges = sum(len(s.addresses) for _, s in b.strategies)
    assert len(svg.select("g.rs-edges path")) == edges
    table = {tr.th.get_text(): [a.get_text() for a in tr.td.find_all("a")] for tr in figure.select("tbody tr")}
    assert table == {m.title: [b.item("strategies", s).title for s in b.addressed_by[slug]]
                     for slug, m in b.mechanisms}
    scroller = figure.select_one(".rs-figure__scroll")
    assert scroller["tabindex"] == "0" and scroller["role"] == "region" and scroller["aria-label"]
