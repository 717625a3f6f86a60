"""The literature explorer: its pure filtering and sorting logic (templates/assets/explorer.js) run under Node,
and the built literature page it works on (complete without JavaScript, form fields = URL parameters).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support.builtsite import HOSTILE_KEY, build_site

ROOT = Path(__file__).resolve().parent.parent
EXPLORER = ROOT / "templates" / "assets" / "explorer.js"
GLUE = ROOT / "templates" / "assets" / "reviewsite.js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not on PATH")


def node(code: str, data: Any = None) -> Any:
    """Run `code` (a function body using E = explorer.js and `data`) under Node; its return value as JSON."""
    script = (f"const E = require({json.dumps(str(EXPLORER))});\n"
              f"const data = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
              f"process.stdout.write(JSON.stringify((function () {{ {code} }})()));")
    result = subprocess.run([NODE, "-e", script], input=json.dumps(data), capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def row(i: int, *, year: int | None, relations=("reference",), topics=(), types=(), tags=(), title="", author="",
        journal="", text="", flag=None):
    return {"index": i, "year": year, "relations": list(relations), "topics": list(topics), "types": list(types),
            "tags": list(tags), "title": title, "author": author, "journal": journal,
            "text": text or f"{title} {author} {journal}", "flag": flag}


ROWS = [
    row(0, year=2024, relations=["cites-review"], title="Zeta trial", author="Ångström A", types=["Review"],
        journal="Blood", tags=["B-ALL"]),
    row(1, year=2019, relations=["cites-review"], title="alpha study", author="Brown B", journal="Ann Oncol"),
    row(2, year=2020, relations=["cites-review", "similar"], title="Beta", author="Çelik C",
        topics=["mechanisms:cd19-genetic-loss"], tags=["CD19", "B-ALL"]),
    row(3, year=None, relations=["cites-review"], title="Undated", author="Doe D", journal="Cell"),
    row(4, year=2022, relations=["reference"], title="Gamma", author="Évora E", text="Gamma Évora CD22 Ünïcödé",
        flag=["retracted", "Retracted"]),
    row(5, year=2025, relations=["cites-review"], title="Late", author="Fox F", journal="Nature"),
    row(6, year=2020, relations=["cited"], title="Delta", author="Abbot A", types=["Review", "Clinical Trial"],
        journal="blood advances"),
    row(7, year=2021, relations=["cited"], title="Anonymous", author="", journal="", flag=["corrected", "Corrected"]),
]


def titles(state_query: str) -> list[str]:
    return node(f"return E.apply(data, E.parseState({json.dumps(state_query)})).map(r => r.title);", ROWS)


@needs_node
def test_cites_the_review_2020_to_2024():
    assert titles("?relation=cites-review&from=2020&to=2024") == ["Zeta trial", "Beta"]


@needs_node
def test_year_bounds_are_inclusive_and_undated_rows_drop_out_of_a_range():
    assert titles("from=2020") == ["Late", "Zeta trial", "Gamma", "Anonymous", "Beta", "Delta"]
    assert titles("to=2019") == ["alpha study"]
    assert "Undated" in titles("")


@needs_node
def test_topic_type_tag_and_free_text_filters():
    assert titles("topic=mechanisms:cd19-genetic-loss") == ["Beta"]
    assert titles("type=Review") == ["Zeta trial", "Delta"]
    assert titles("relation=cited") == ["Anonymous", "Delta"]
    assert titles("tag=B-ALL") == ["Zeta trial", "Beta"]
    assert titles("tag=B-ALL&from=2021") == ["Zeta trial"]
    assert titles("tag=b-all") == [], "tags match exactly, as the tags page links them"
    assert titles("text=unicode cd22") == ["Gamma"], "all words, accents folded, any case"
    assert titles("text=angstrom") == ["Zeta trial"]
    assert titles("text=nothing-matches-this") == []


@needs_node
def test_integrity_notice_filter():
    """Issue 15: the explorer keeps just the retracted, or every paper with a notice."""
    assert titles("notice=retracted") == ["Gamma"]
    assert titles("notice=any") == ["Gamma", "Anonymous"]
    assert titles("notice=corrected&relation=cited") == ["Anonymous"]
    assert titles("notice=bogus") == titles(""), "an unknown notice is ignored"


@needs_node
def test_sorting_is_stable_and_puts_missing_values_last():
    assert titles("sort=year-desc") == ["Late", "Zeta trial", "Gamma", "Anonymous", "Beta", "Delta", "alpha study",
                                        "Undated"]
    assert titles("sort=year-asc") == ["alpha study", "Beta", "Delta", "Anonymous", "Gamma", "Zeta trial", "Late",
                                       "Undated"]
    assert titles("sort=title-asc") == ["alpha study", "Anonymous", "Beta", "Delta", "Gamma", "Late", "Undated",
                                        "Zeta trial"]
    # The paper without authors goes last, not first (issue 14).
    assert titles("sort=author-asc") == ["Delta", "Zeta trial", "alpha study", "Beta", "Undated", "Gamma", "Late",
                                         "Anonymous"]
    # Journals: case-insensitive, missing ones last, ties in the page's order.
    assert titles("sort=journal-asc") == ["alpha study", "Zeta trial", "Delta", "Undated", "Late", "Beta", "Gamma",
                                          "Anonymous"]


@needs_node
def test_missing_values_go_last_in_any_order_of_rows():
    out = node("""
      const rows = data.map((r, i) => ({...r, index: i}));
      const forward = E.apply(rows, E.parseState('sort=author-asc')).map(r => r.author);
      const backward = E.apply(rows.slice().reverse().map((r, i) => ({...r, index: i})),
                               E.parseState('sort=author-asc')).map(r => r.author);
      return {forward, backward};
    """, [row(0, year=1, author=""), row(1, year=1, author="  "), row(2, year=1, author="Zed Z"),
          row(3, year=1, author="Ash A")])
    assert out["forward"][:2] == ["Ash A", "Zed Z"] and out["backward"][:2] == ["Ash A", "Zed Z"]


@needs_node
def test_state_round_trips_through_the_url_and_ignores_junk():
    out = node("""
      const s = E.parseState('?relation=cites-review&from=2020&to=2024&topic=strategies%3Acd22-car&tag=B-ALL&notice=any&text=%20CD19%20%20x&sort=title-asc');
      const junk = E.parseState('from=20x0&to=99999&sort=evil&text=' + 'a'.repeat(500) + '&relation=' + 'r'.repeat(99));
      return {s, q: E.serializeState(s), again: E.parseState(E.serializeState(s)), junk,
              empty: E.serializeState(E.parseState('')), defaults: E.defaults(),
              isDefault: [E.isDefault(E.parseState('')), E.isDefault(s), E.isDefault(E.parseState('sort=year-desc'))]};
    """)
    assert out["s"] == {"relation": "cites-review", "from": 2020, "to": 2024, "topic": "strategies:cd22-car",
                        "type": "", "tag": "B-ALL", "notice": "any", "text": "CD19 x", "sort": "title-asc"}
    assert out["q"] == ("relation=cites-review&from=2020&to=2024&topic=strategies%3Acd22-car&tag=B-ALL&notice=any"
                        "&text=CD19+x&sort=title-asc")
    assert out["again"] == out["s"]
    assert out["junk"]["from"] is None and out["junk"]["to"] is None and out["junk"]["sort"] == "year-desc"
    assert len(out["junk"]["text"]) == 200 and len(out["junk"]["relation"]) == 40
    assert out["empty"] == "" and out["defaults"]["sort"] == "year-desc"
    assert out["isDefault"] == [True, False, True]


@needs_node
def test_rows_from_the_compact_json():
    data = {"fields": ["key", "title", "author", "year", "journal", "relations", "topics", "types", "tags", "flag"],
            "relations": {"reference": "Reference of the review"},
            "topics": {"mechanisms:x": {"title": "Antigen loss", "url": "/site/mechanisms/x/"}},
            "rows": [["1", "Alpha", "Doe J", 2020, "Blood", ["reference"], ["mechanisms:x"], ["Review"], ["CD19"], None],
                     ["b-2", "Beta", "", None, "", [], [], [], [], ["retracted", "Retracted"]]]}
    rows = node("return E.rowsFromData(data);", data)
    assert [r["index"] for r in rows] == [0, 1]
    assert rows[0]["year"] == 2020 and rows[1]["year"] is None
    assert rows[0]["relations"] == ["reference"] and rows[0]["tags"] == ["CD19"]
    assert "Antigen loss" in rows[0]["text"] and "Reference of the review" in rows[0]["text"]
    assert "CD19" in rows[0]["text"] and "Doe J" in rows[0]["text"]
    shown = node("return E.apply(E.rowsFromData(data), E.parseState('text=antigen loss')).map(r => r.key);", data)
    assert shown == ["1"]


@needs_node
def test_scripts_parse_and_explorer_has_no_dom_dependency():
    for path in (EXPLORER, GLUE):
        result = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
    assert "document" not in EXPLORER.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the built page


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("built"))


def table_rows(site, url: str = "literature/") -> list[dict[str, Any]]:
    """Rows as the page script reads them: data attributes plus cell text."""
    out = []
    for i, tr in enumerate(site.article(url).select("#literature-table tbody tr")):
        split = lambda value, sep: value.split(sep) if value else []  # noqa: E731
        cell = lambda name, tr=tr: tr.select_one(f"td.rs-lit-{name}")  # noqa: E731
        out.append({
            "index": i, "key": tr["data-key"], "href": cell("title").a["href"],
            "year": int(tr["data-year"]) if tr["data-year"] else None,
            "relations": split(tr["data-relation"], " "), "topics": split(tr["data-topics"], " "),
            "types": split(tr["data-types"], "|"), "tags": split(tr["data-tags"], "|"),
            "title": cell("title").a.get_text(), "author": cell("author").get_text(),
            "journal": cell("journal").get_text(),
            "text": tr.get_text(" ") + " " + " ".join(split(tr["data-tags"], "|")),
        })
    return out


def test_literature_table_is_complete_without_javascript(site):
    article = site.article("literature/")
    form = article.select_one("form#literature-filters")
    assert form.has_attr("hidden"), "the filters only appear when the script runs"
    headers = [th.get_text(strip=True) for th in article.select("#literature-table thead th")]
    assert headers == ["Title", "First author", "Year", "Journal", "Relation", "Topics"]
    table = article.select_one("#literature-table")
    assert not table.has_attr("data-rows"), "every paper is in the page: nothing to load"
    rows = article.select("#literature-table tbody tr")
    assert len(rows) == len(site.content.papers)
    labels = {**site.index.relation_titles, "cited": "Cited on this site"}
    for tr in rows:
        cells = tr.find_all("td")
        assert len(cells) == 6
        key = tr["data-key"]
        paper = site.content.papers[key]
        assert cells[0].a.get_text() == paper.record.title
        assert cells[0].a["href"].endswith(f"/papers/{key}/")
        assert cells[2].get_text() == (paper.record.published or paper.record.epublished or "")[:4]
        assert tr["data-relation"].split() == (list(paper.relations) or ["cited"])
        assert [c.get_text() for c in cells[4].select(".rs-rel")] == [labels[r] for r in tr["data-relation"].split()]
        topics = site.index.topics[key]
        if topics:
            assert cells[5].details.summary.get_text() == f"{len(topics)} topic{'s' if len(topics) != 1 else ''}"
            assert [a.get_text() for a in cells[5].select("li a")] == [t.title for t in topics]
        else:
            assert cells[5].get_text() == ""
    # Newest first, as the page says.
    years = [tr["data-year"] or "0" for tr in rows]
    assert years == sorted(years, reverse=True)
    # An authorless paper shows an empty author cell (and sorts last: see the sorting test).
    assert "" in [r["author"] for r in table_rows(site)]


def test_json_rows_hold_every_paper_with_the_values_of_the_table(site):
    data = json.loads(site.read("literature/rows.json"))
    assert data["fields"] == ["key", "title", "author", "year", "journal", "relations", "topics", "types", "tags",
                              "flag"]
    rows = [dict(zip(data["fields"], values, strict=True)) for values in data["rows"]]
    assert [r["key"] for r in rows] == [key for key, _ in site.index.papers], "the page's order, newest first"
    html_rows = {r["key"]: r for r in table_rows(site)}
    for r in rows:
        shown = html_rows[r["key"]]
        assert (r["title"], r["author"], r["year"], r["journal"]) == (
            shown["title"], shown["author"], shown["year"], shown["journal"])
        assert (r["relations"], r["topics"], r["types"], r["tags"]) == (
            shown["relations"], shown["topics"], shown["types"], shown["tags"])
        assert site.file("literature/", data["papers"] + r["key"] + "/").is_file()
    for topic in data["topics"].values():
        assert site.file("literature/", topic["url"]).is_file()


def test_form_fields_are_the_url_parameters_and_offer_what_rows_carry(site):
    article = site.article("literature/")
    form = article.select_one("form#literature-filters")
    names = {el["name"] for el in form.select("[name]")}
    assert names == {"relation", "from", "to", "topic", "type", "tag", "notice", "text", "sort"}
    rows = table_rows(site)

    def options(name: str) -> set[str]:
        return {o["value"] for o in form.select(f"select[name={name}] option") if o["value"]}

    assert {r for row in rows for r in row["relations"]} <= options("relation")
    assert {t for row in rows for t in row["topics"]} <= options("topic")
    assert {t for row in rows for t in row["types"]} == options("type")
    assert {t for row in rows for t in row["tags"]} == options("tag")
    assert options("sort") == {"year-desc", "year-asc", "title-asc", "author-asc", "journal-asc"}


@needs_node
def test_filtering_the_built_table_to_cites_the_review_2020_to_2024(site):
    rows = table_rows(site)
    shown = node("return E.apply(data, E.parseState('?relation=cites-review&from=2020&to=2024')).map(r => r.href);",
                 rows)
    expected = [
        key for key, paper in site.index.papers
        if "cites-review" in paper.relations and 2020 <= int((paper.record.published or "0")[:4]) <= 2024
    ]
    assert [h.strip("/").split("/")[-1] for h in shown] == expected
    assert set(expected) == {"32983132", "36382675", "39113729"}
    by_words = node("return E.apply(data, E.parseState('text=Zanzibarquux')).length;", rows)
    assert by_words == 0, "abstracts are not part of the table"
    by_tag = node("return E.apply(data, E.parseState('text=cytopenia')).map(r => r.href);", rows)
    assert [h.strip("/").split("/")[-1] for h in by_tag] == ["36382675"]
    hostile = node("return E.apply(data, E.parseState('text=ünïcödé')).map(r => r.href);", rows)
    assert [h.strip("/").split("/")[-1] for h in hostile] == [HOSTILE_KEY]
