"""The evidence matrix as data: what a cell counts is what it lists, and retracted papers are never counted
silently."""

from __future__ import annotations

from pathlib import Path

from support.projects import render_view, views_of

PAIR = "pair-cd19-genetic-loss--cd22-car"


def _matrix(pages):
    return next(p for p in pages if p.path == "matrix.md")


def _cell(page, mslug: str, sslug: str) -> dict:
    row = next(r for r in page.data["rows"] if r["anchor"] == f"mechanism-{mslug}")
    return next(c for c in row["cells"] if c["anchor"] == f"pair-{mslug}--{sslug}")


def test_a_cell_counts_the_items_it_lists(project: Path):
    _, pages = views_of(project)
    cell = _cell(_matrix(pages), "cd19-genetic-loss", "cd22-car")
    assert cell["addresses"] and cell["count"] == 2 == len(cell["evidence"])
    assert [i["url"] for i in cell["evidence"]] == ["/fixture/strategies/cd22-car/#evidence-1",
                                                   "/fixture/mechanisms/cd19-genetic-loss/#evidence-2"]
    assert cell["not_counted"] == [] and cell["uncounted"] == 0
    assert cell["label"] == ("CD22-directed CAR is aimed at CD19 loss by mutation and splicing; "
                             "2 evidence items link them")


def test_a_cell_with_no_evidence_says_none(project: Path):
    """A strategy aimed at a mechanism with no linking evidence reads "● none", never "● 0"."""
    strategy = project / "content" / "strategies" / "cd22-car.yaml"
    text = strategy.read_text(encoding="utf-8").replace("addresses: [cd19-genetic-loss]",
                                                        "addresses: [cd19-genetic-loss, limited-persistence]")
    strategy.write_text(text, encoding="utf-8")
    site, pages = views_of(project)
    page = _matrix(pages)
    cell = _cell(page, "limited-persistence", "cd22-car")
    assert cell["addresses"] and cell["count"] == 0 and cell["evidence"] == []
    assert "no evidence item on this site links them yet" in cell["label"]
    text = render_view(site, page)
    assert '<span aria-hidden="true">● none</span>' in text
    assert "● 0" not in text


def test_items_resting_only_on_retracted_papers_are_listed_apart_and_not_counted(project: Path):
    paper = project / "content" / "papers" / "29155426.yaml"
    text = paper.read_text(encoding="utf-8")
    assert "publication_types" not in text
    paper.write_text(text.replace("record:\n", 'record:\n  publication_types: ["Retracted Publication"]\n', 1),
                     encoding="utf-8")
    site, pages = views_of(project)
    page = _matrix(pages)
    cell = _cell(page, "cd19-genetic-loss", "cd22-car")
    assert cell["count"] == 0 and cell["evidence"] == []
    assert cell["uncounted"] == 2 and all(i["retracted"] for i in cell["not_counted"])
    assert "2 more rest only on retracted papers, not counted" in cell["label"]
    text = render_view(site, page)
    assert '<span aria-hidden="true">● none†</span>' in text
    assert "Not counted: 2 items resting only on retracted papers." in text
