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


def row(i: int, *, year: int | None, relations=("reference",), topics=(), types=(), title="", author="", text=""):
    return {"index": i, "year": year, "relations": list(relations), "topics": list(topics), "types": list(types),
            "title": title, "author": author, "text": text or f"{title} {author}"}


ROWS = [
    row(0, year=2024, relations=["cites-review"], title="Zeta trial", author="Ångström A", types=["Review"]),
    row(1, year=2019, relations=["cites-review"], title="alpha study", author="Brown B"),
    row(2, year=2020, relations=["cites-review", "similar"], title="Beta", author="Çelik C",
        topics=["mechanisms:cd19-genetic-loss"]),
    row(3, year=None, relations=["cites-review"], title="Undated", author="Doe D"),
    row(4, year=2022, relations=["reference"], title="Gamma", author="Évora E", text="Gamma Évora CD22 Ünïcödé"),
    row(5, year=2025, relations=["cites-review"], title="Late", author="Fox F"),
    row(6, year=2020, relations=["cited"], title="Delta", author="Abbot A", types=["Review", "Clinical Trial"]),
]


def titles(state_query: str) -> list[str]:
    return node(f"return E.apply(data, E.parseState({json.dumps(state_query)})).map(r => r.title);", ROWS)


@needs_node
def test_cites_the_review_2020_to_2024():
    assert titles("?relation=cites-review&from=2020&to=2024") == ["Zeta trial", "Beta"]


@needs_node
def test_year_bounds_are_inclusive_and_undated_rows_drop_out_of_a_range():
    assert titles("from=2020") == ["Late", "Zeta trial", "Gamma", "Beta", "Delta"]
    assert titles("to=2019") == ["alpha study"]
    assert "Undated" in titles("")


@needs_node
def test_topic_type_and_free_text_filters():
    assert titles("topic=mechanisms:cd19-genetic-loss") == ["Beta"]
    assert titles("type=Review") == ["Zeta trial", "Delta"]
    assert titles("relation=cited") == ["Delta"]
    assert titles("text=unicode cd22") == ["Gamma"], "all words, accents folded, any case"
    assert titles("text=angstrom") == ["Zeta trial"]
    assert titles("text=nothing-matches-this") == []


@needs_node
def test_sorting_is_stable_and_puts_undated_last():
    assert titles("sort=year-desc") == ["Late", "Zeta trial", "Gamma", "Beta", "Delta", "alpha study", "Undated"]
    assert titles("sort=year-asc") == ["alpha study", "Beta", "Delta", "Gamma", "Zeta trial", "Late", "Undated"]
    assert titles("sort=title-asc") == ["alpha study", "Beta", "Delta", "Gamma", "Late", "Undated", "Zeta trial"]
    assert titles("sort=author-asc") == ["Delta", "Zeta trial", "alpha study", "Beta", "Undated", "Gamma", "Late"]


@needs_node
def test_state_round_trips_through_the_url_and_ignores_junk():
    out = node("""
      const s = E.parseState('?relation=cites-review&from=2020&to=2024&topic=strategies%3Acd22-car&text=%20CD19%20%20x&sort=title-asc');
      const junk = E.parseState('from=20x0&to=99999&sort=evil&text=' + 'a'.repeat(500) + '&relation=' + 'r'.repeat(99));
      return {s, q: E.serializeState(s), again: E.parseState(E.serializeState(s)), junk,
              empty: E.serializeState(E.parseState('')), defaults: E.defaults()};
    """)
    assert out["s"] == {"relation": "cites-review", "from": 2020, "to": 2024, "topic": "strategies:cd22-car",
                        "type": "", "text": "CD19 x", "sort": "title-asc"}
    assert out["q"] == "relation=cites-review&from=2020&to=2024&topic=strategies%3Acd22-car&text=CD19+x&sort=title-asc"
    assert out["again"] == out["s"]
    assert out["junk"]["from"] is None and out["junk"]["to"] is None and out["junk"]["sort"] == "year-desc"
    assert len(out["junk"]["text"]) == 200 and len(out["junk"]["relation"]) == 40
    assert out["empty"] == "" and out["defaults"]["sort"] == "year-desc"


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


def table_rows(site) -> list[dict[str, Any]]:
    """Rows as the page script reads them: data attributes plus cell text."""
    out = []
    for i, tr in enumerate(site.article("literature/").select("#literature-table tbody tr")):
        cells = tr.find_all("td")
        split = lambda value, sep: value.split(sep) if value else []  # noqa: E731
        out.append({
            "index": i, "href": cells[0].a["href"],
            "year": int(tr["data-year"]) if tr["data-year"] else None,
            "relations": split(tr["data-relation"], " "), "topics": split(tr["data-topics"], " "),
            "types": split(tr["data-types"], "|"), "title": cells[0].get_text(), "author": cells[1].get_text(),
            "text": tr.get_text(" ") + " " + " ".join(split(tr["data-tags"], "|")),
        })
    return out


def test_literature_table_is_complete_without_javascript(site):
    article = site.article("literature/")
    form = article.select_one("form#literature-filters")
    assert form.has_attr("hidden"), "the filters only appear when the script runs"
    headers = [th.get_text(strip=True) for th in article.select("#literature-table thead th")]
    assert headers == ["Title", "First author", "Year", "Journal", "Relation", "Topics"]
    rows = article.select("#literature-table tbody tr")
    assert len(rows) == len(site.content.papers)
    for tr in rows:
        cells = tr.find_all("td")
        assert len(cells) == 6
        key = cells[0].a["href"].strip("/").split("/")[-1]
        paper = site.content.papers[key]
        assert cells[0].get_text() == paper.record.title
        assert cells[2].get_text() == (paper.record.published or paper.record.epublished or "")[:4]
        assert tr["data-relation"].split() == (list(paper.relations) or ["cited"])
    # Newest first, as the page says.
    years = [tr["data-year"] or "0" for tr in rows]
    assert years == sorted(years, reverse=True)


def test_form_fields_are_the_url_parameters_and_offer_what_rows_carry(site):
    article = site.article("literature/")
    form = article.select_one("form#literature-filters")
    names = {el["name"] for el in form.select("[name]")}
    assert names == {"relation", "from", "to", "topic", "type", "text", "sort"}
    rows = table_rows(site)

    def options(name: str) -> set[str]:
        return {o["value"] for o in form.select(f"select[name={name}] option") if o["value"]}

    assert {r for row in rows for r in row["relations"]} <= options("relation")
    assert {t for row in rows for t in row["topics"]} <= options("topic")
    assert {t for row in rows for t in row["types"]} == options("type")
    assert options("sort") == {"year-desc", "year-asc", "title-asc", "author-asc"}


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
