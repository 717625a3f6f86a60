"""Retractions and corrections are shown wherever a paper is used: a notice at the top of its page, and
a mark on every citation of it and on its reference entry (issue 15). Records here are synthetic:
the real recordings with these elements are parsed in test_fetch_pubmed.py and test_integrity.py."""

from __future__ import annotations

from bs4 import BeautifulSoup

from support.projects import render_view, views_of


def flag(project, stem: str, correction: str, notice: str) -> None:
    path = project / "content" / "papers" / f"{stem}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("record:\n", f'record:\n  corrections:\n    - {{type: {correction}, pmid: "{notice}"}}\n',
                                 1), encoding="utf-8")


def test_a_retracted_paper_is_flagged_on_its_page_and_wherever_it_is_cited(project):
    flag(project, "26516065", "RetractionIn", "99000001")  # synthetic notice PMID
    flag(project, "29155426", "ErratumIn", "99000002")
    site, pages = views_of(project)
    by_path = {p.path: p for p in pages}

    paper = BeautifulSoup(render_view(site, by_path["papers/26516065.md"]), "html.parser")
    notice = paper.select_one("div.rs-notice--retracted")
    assert notice is not None and "This paper has been retracted" in notice.get_text()
    assert notice.a["href"] == "https://pubmed.ncbi.nlm.nih.gov/99000001/" and "PMID 99000001" in notice.a.get_text()
    corrected = BeautifulSoup(render_view(site, by_path["papers/29155426.md"]), "html.parser")
    assert "A correction to this paper has been published" in corrected.select_one("div.rs-notice--corrected").get_text()

    mechanism = BeautifulSoup(render_view(site, by_path["mechanisms/cd19-genetic-loss.md"]), "html.parser")
    marked = mechanism.select("a.rs-cite--retracted")
    assert marked and all("Retracted" in a.select_one(".rs-tip").get_text() for a in marked)
    entries = {li.a["href"]: li for li in mechanism.select("ol.rs-references > li")}
    retracted = entries["/fixture/papers/26516065/"]
    assert "rs-ref--retracted" in retracted["class"] and retracted.strong.get_text() == "Retracted:"
    assert "class" not in entries["/fixture/papers/rosenbaum-2017/"].attrs

    literature = BeautifulSoup(render_view(site, by_path["literature/index.md"]), "html.parser")
    flags = {tr["data-key"]: tr.get("data-flag") for tr in literature.select("#literature-table tbody tr")}
    assert flags["26516065"] == "retracted" and flags["29155426"] == "corrected" and flags["rosenbaum-2017"] is None
    assert literature.select_one("select[name=notice] option[value=retracted]") is not None
