"""Cross-reference checks: every link and citation resolves; problems are sorted and all reported."""

from __future__ import annotations

from pathlib import Path

from reviewsite.check import check
from reviewsite.config import find_project


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def messages(project: Path) -> list[str]:
    return [str(p) for p in check(find_project(project))[1]]


def test_clean_fixture(project):
    assert messages(project) == []


def test_unknown_mechanism_in_strategy(project):
    edit(project, "content/strategies/cd22-car.yaml", "addresses: [cd19-genetic-loss]",
         "addresses: [cd19-genetic-loss, no-such-thing]")
    assert "content/strategies/cd22-car.yaml:5:32: unknown mechanism 'no-such-thing'" in messages(project)


def test_unknown_citation_in_evidence_and_prose(project):
    edit(project, "content/mechanisms/cd19-genetic-loss.yaml", 'cites: ["pmid:26516065"]',
         'cites: ["pmid:11111111"]')
    edit(project, "content/mechanisms/cd19-genetic-loss.yaml", "Leukaemia can lose the CD19 epitope [@pmid:26516065].",
         "Leukaemia can lose\n  the CD19 epitope [@pmid:22222222; @doi:10.1158/2159-8290.CD-15-1020].")
    msgs = messages(project)
    assert "content/mechanisms/cd19-genetic-loss.yaml:9:20: citation 'pmid:22222222' does not match any file in content/papers/" in msgs
    assert any(m.startswith("content/mechanisms/cd19-genetic-loss.yaml:12:13: citation 'pmid:11111111'") for m in msgs)
    assert not any("doi:10.1158" in m for m in msgs)  # a DOI resolves to the paper that has it


def test_malformed_citation(project):
    edit(project, "content/strategies/cd22-car.yaml", "Target CD22 instead [@pmid:29155426].",
         "Target CD22 instead [@pubmed 29155426].")
    assert any("malformed citation 'pubmed 29155426'" in m for m in messages(project))


def test_unknown_topic_on_paper_and_duplicates(project):
    edit(project, "content/papers/26516065.yaml", "mechanisms: [cd19-genetic-loss]",
         "mechanisms: [cd19-genetic-loss, cd19-genetic-loss, nope]")
    msgs = messages(project)
    assert "content/papers/26516065.yaml:19:35: mechanism 'cd19-genetic-loss' is listed twice" in msgs
    assert "content/papers/26516065.yaml:19:54: unknown mechanism 'nope'" in msgs


def test_duplicate_doi(project):
    edit(project, "content/papers/29155426.yaml", '  pmcid: "PMC5774642"\n',
         '  pmcid: "PMC5774642"\n  doi: "10.1158/2159-8290.cd-15-1020"\n')
    assert any("DOI '10.1158/2159-8290.cd-15-1020' is also in content/papers/26516065.yaml" in m
               for m in messages(project))


def test_review_duplicated_as_paper(project):
    (project / "content/papers/30837712.yaml").write_text('record:\n  pmid: "30837712"\n  title: "R"\n')
    assert any("this is the review itself" in m for m in messages(project))


def test_all_problems_at_once_sorted(project):
    edit(project, "content/strategies/cd22-car.yaml", "stage: early-trial", "stage: phase-2")
    edit(project, "content/papers/26516065.yaml", 'pmcid: "PMC4670800"', "pmcid: 4670800")
    (project / "content/mechanisms/broken.yaml").write_text("title: [unclosed\n")
    msgs = messages(project)
    assert len(msgs) == 3
    assert msgs == sorted(msgs)
    assert [m.split(":")[0] for m in msgs] == [
        "content/mechanisms/broken.yaml", "content/papers/26516065.yaml", "content/strategies/cd22-car.yaml"]
