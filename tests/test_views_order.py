"""Sorted lists put missing values last: a paper without a year ends a topic's further reading."""

from __future__ import annotations

from pathlib import Path

from support.projects import views_of


def _paper(project: Path, key: str, title: str, year: str | None) -> None:
    published = f'  published: "{year}"\n' if year else ""
    (project / "content" / "papers" / f"{key}.yaml").write_text(
        f'record:\n  pmid: "{key}"\n  title: "{title}"\n{published}curation:\n  mechanisms: [cd19-genetic-loss]\n',
        encoding="utf-8")


def test_further_reading_lists_newest_first_and_undated_papers_last(project: Path):
    _paper(project, "90000001", "[synthetic] A undated paper", None)
    _paper(project, "90000002", "[synthetic] B paper of 2001", "2001")
    _paper(project, "90000003", "[synthetic] C paper of 2020", "2020")
    _, pages = views_of(project)
    page = next(p for p in pages if p.path == "mechanisms/cd19-genetic-loss.md")
    keys = [row["key"] for row in page.data["papers"] if row["key"].startswith("9000000")]
    assert keys == ["90000003", "90000002", "90000001"]
