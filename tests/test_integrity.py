"""Retractions, expressions of concern and errata: flags from real PubMed records, warnings by file.

Records come from real recordings (tests/fixtures/eutils/pubmedsample_2019.xml.gz, a piece of NLM's 2019
baseline, and metapub's 38833988.xml); projects are copies of tests/fixtures/minimal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest

from reviewsite import cli
from reviewsite.check import check
from reviewsite.config import find_project
from reviewsite.fetch.command import Runtime, run_fetch
from reviewsite.fetch.merge import new_paper
from reviewsite.fetch.pubmed import parse_efetch
from reviewsite.integrity import cited_by, flags, integrity_warnings
from reviewsite.model import Record
from test_fetch_fakes import FakeEutils, elink_body, fixture, recorded_articles

MINIMAL = Path(__file__).parent / "fixtures" / "minimal"
BASELINE = parse_efetch(fixture("pubmedsample_2019.xml.gz")).records
RETRACTED, ERRATUM, UNCITED = "11543891", "28647898", "9482442"


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(MINIMAL, root, ignore=shutil.ignore_patterns("build", "site"))
    return root


def write_paper(root: Path, record: Record) -> Path:
    path = root / "content" / "papers" / f"{record.pmid}.yaml"
    path.write_text(new_paper(record, ["reference"], "2026-11-24"), encoding="utf-8")
    return path


def cite(root: Path, file: str, *keys: str) -> None:
    """Add an evidence item citing `keys` to a mechanism or strategy file (block list at the end)."""
    path = root / "content" / file
    text = path.read_text(encoding="utf-8")
    cites = ", ".join(f'"{k}"' for k in keys)
    path.write_text(text.rstrip("\n") + f'\n  - finding: "A finding that relies on them."\n    cites: [{cites}]\n'
                    '    kind: observational\n    context: "B-ALL"\n', encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


# --- flags from real records ---------------------------------------------------------------------------


def test_flags_of_real_records():
    retracted = flags(BASELINE[RETRACTED])
    assert [(f.kind, f.notice) for f in retracted] == [("retracted", "11600210")]
    both = flags(BASELINE["8863847"])  # ErratumIn (no PMID) listed first by PubMed, RetractionIn second
    assert [(f.kind, f.notice, f.source) for f in both] == [
        ("retracted", "9499167", "Wu D, Yang CM, Lau YT, Chen JC. Mol Pharmacol. 1998 Feb;53(2):346"),
        ("erratum", None, "Mol Pharmacol 1997 Mar;51(3):533")]
    assert [(f.kind, f.notice) for f in flags(BASELINE[ERRATUM])] == [("erratum", "28786003")]
    assert flags(BASELINE["11600210"]) == []  # the retraction notice itself is not retracted
    assert flags(BASELINE["11279676"]) == []  # UpdateOf/UpdateIn: a newer version, not a problem
    assert flags(parse_efetch(fixture("38833988.xml")).records["38833988"]) == []  # an erratum notice
    bare = Record(title="T", publication_types=["Journal Article", "Retracted Publication"])
    assert [(f.kind, f.loc) for f in flags(bare)] == [("retracted", ("record", "publication_types", 1))]


# --- warnings by file ------------------------------------------------------------------------------------


def test_each_flagged_cited_paper_is_one_warning_naming_the_citing_files(project):
    retracted = write_paper(project, BASELINE[RETRACTED])
    erratum = write_paper(project, BASELINE[ERRATUM])
    write_paper(project, BASELINE[UNCITED])  # flagged but cited nowhere: nothing to warn about
    cite(project, "mechanisms/cd19-genetic-loss.yaml", f"pmid:{RETRACTED}")
    path = project / "content" / "strategies" / "cd22-car.yaml"
    path.write_text(path.read_text().replace("[@pmid:29155426]", f"[@pmid:29155426; @pmid:{RETRACTED}]", 1))
    cite(project, "strategies/cd22-car.yaml", f"pmid:{ERRATUM}")
    content, problems = check(find_project(project))
    assert problems == []
    assert cited_by(content)[RETRACTED] == ["content/mechanisms/cd19-genetic-loss.yaml",
                                            "content/strategies/cd22-car.yaml"]
    lines = [str(w) for w in integrity_warnings(content)]
    at_erratum, at_retraction = line_of(erratum, '- type: "ErratumIn"'), line_of(retracted, '- type: "RetractionIn"')
    assert lines == [  # sorted by file
        f"content/papers/{RETRACTED}.yaml:{at_retraction}:7: retracted "
        "(PMID 11600210); cited by content/mechanisms/cd19-genetic-loss.yaml, content/strategies/cd22-car.yaml",
        f"content/papers/{ERRATUM}.yaml:{at_erratum}:7: erratum (PMID 28786003): "
        "check the cited details against the correction; cited by content/strategies/cd22-car.yaml",
    ]
    assert [str(w).split(":")[0] for w in integrity_warnings(content, serious_only=True)] == [
        f"content/papers/{RETRACTED}.yaml"]


def test_check_warns_and_fails_only_with_strict_integrity(project, capsys):
    write_paper(project, BASELINE[ERRATUM])
    cite(project, "mechanisms/cd19-genetic-loss.yaml", f"pmid:{ERRATUM}")
    assert cli.main(["--project", str(project), "check"]) == 0
    err = capsys.readouterr().err
    assert f"content/papers/{ERRATUM}.yaml:" in err and "1 warning found." in err and "content OK" in err
    assert cli.main(["--project", str(project), "check", "--strict-integrity"]) == 0  # an erratum: not serious
    capsys.readouterr()
    write_paper(project, BASELINE[RETRACTED])
    cite(project, "mechanisms/cd19-genetic-loss.yaml", f"pmid:{RETRACTED}")
    assert cli.main(["--project", str(project), "check"]) == 0  # warnings never change the exit code
    assert "2 warnings found." in capsys.readouterr().err
    assert cli.main(["--project", str(project), "check", "--strict-integrity"]) == 1
    assert "retracted (PMID 11600210)" in capsys.readouterr().err


# --- end to end: a weekly fetch brings the flags, check names the files -------------------------------------


def test_a_fetch_that_marks_one_paper_retracted_and_another_corrected_records_both(project, capsys):
    for pmid in (RETRACTED, ERRATUM):  # papers already on the site, cited, with clean records
        write_paper(project, Record(pmid=pmid, title=BASELINE[pmid].title))
    cite(project, "mechanisms/cd19-genetic-loss.yaml", f"pmid:{RETRACTED}", f"pmid:{ERRATUM}")
    assert integrity_warnings(check(find_project(project))[0]) == []
    server = FakeEutils().start()
    try:
        server.articles = recorded_articles()  # the real records, with their notices
        server.links["30837712"] = elink_body("30837712", refs=[RETRACTED, ERRATUM])
        args = argparse.Namespace(pmid=None, similar=None, eutils_url=server.base, europepmc_url=None,
                                  email="t@example.org", dry_run=False, cache_dir=None, no_cache=True, pmids=[])
        runtime = Runtime(env={}, sleep=lambda s: None, today=lambda: dt.date(2026, 11, 30), stream=io.StringIO(),
                          tty=False)
        assert run_fetch(find_project(project), args, runtime) == 0
    finally:
        server.stop()
    records = {p: check(find_project(project))[0].papers[p].record for p in (RETRACTED, ERRATUM)}
    assert [(c.type, c.pmid) for c in records[RETRACTED].corrections] == [("RetractionIn", "11600210")]
    assert "Retracted Publication" in records[RETRACTED].publication_types
    assert [(c.type, c.pmid) for c in records[ERRATUM].corrections] == [("ErratumIn", "28786003")]
    assert records[RETRACTED].fetched == "2026-11-30"
    assert cli.main(["--project", str(project), "check"]) == 0
    err = capsys.readouterr().err
    assert f"content/papers/{RETRACTED}.yaml:" in err and "retracted (PMID 11600210); cited by " \
        "content/mechanisms/cd19-genetic-loss.yaml" in err
    assert f"content/papers/{ERRATUM}.yaml:" in err and "erratum (PMID 28786003)" in err
