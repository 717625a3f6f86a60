"""The weekly refresh's pull request body, end to end: a project in git, fetched from the local stand-in,
then scripts/ci/changed_papers.py (the script the workflow runs) on the result and the fetch report.

Records: real ones (11543891 is retracted in NLM's 2019 baseline) and SYNTHETIC ones for the papers
whose words matter to triage (their titles start with "SYNTHETIC").
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewsite.check import check
from reviewsite.config import find_project
from reviewsite.fetch.command import Runtime, run_fetch
from reviewsite.fetch.merge import new_paper
from reviewsite.fetch.pubmed import parse_efetch
from reviewsite.fetch.triage import suggest, topics
from reviewsite.model import Record
from test_fetch_fakes import FakeEutils, elink_body, recorded_articles, synthetic_article

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = Path(__file__).parent / "fixtures" / "minimal"
SCRIPT = ROOT / "scripts" / "ci" / "changed_papers.py"
REVIEW, RETRACTED, MISSING, RENAMED, NEW_REF = "30837712", "11543891", "26516065", "29155426", "27797938"
CD22_PAPER, OTHER_PAPER, SIMILAR = "40000001", "40000002", "38534005"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=ci@example.org", "-c", "user.name=ci", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(MINIMAL, root, ignore=shutil.ignore_patterns("build", "site"))
    return root


# --- triage ----------------------------------------------------------------------------------------------


def test_triage_ranks_topics_by_a_score_it_can_explain(project):
    content = check(find_project(project))[0]
    record = Record(title="SYNTHETIC CD22-directed CAR T cells after CD19 loss in B-ALL", mesh=["Antigens, CD22"])
    found = suggest(record, topics(content), keywords=["antigen density"])
    assert [(s.slug, s.score, s.reason) for s in found] == [
        ("cd22-car", 7, "matches CD22, CD22-directed CAR"),
        ("cd19-genetic-loss", 6, "matches CD19, loss, B-ALL"),
    ]
    assert suggest(Record(title="SYNTHETIC outcomes in B-ALL"), topics(content)) == []  # a disease alone: no
    tagged = topics(content)[0].__class__("strategy", "x", "Product switch", (), ("tisagenlecleucel (CTL019)",), (),
                                          frozenset())
    assert suggest(Record(title="SYNTHETIC CTL019 expansion"), [tagged])[0].reason == "matches CTL019"


# --- the pull request body, end to end --------------------------------------------------------------------------


def fetch(root: Path, server: FakeEutils, report: Path) -> tuple[int, str]:
    args = argparse.Namespace(pmid=None, similar=None, eutils_url=server.base, europepmc_url=None,
                              email="t@example.org", dry_run=False, cache_dir=None, no_cache=True, pmids=[])
    stream = io.StringIO()
    runtime = Runtime(env={"REVIEWSITE_FETCH_REPORT": str(report)}, sleep=lambda s: None,
                      today=lambda: dt.date(2026, 11, 30), stream=stream, tty=False)
    return run_fetch(find_project(root), args, runtime), stream.getvalue()


def test_weekly_body_lists_flags_first_then_triaged_papers_then_what_to_look_at_and_failures(project, tmp_path):
    baseline = parse_efetch(recorded_articles()[RETRACTED].join([b"<PubmedArticleSet>", b"</PubmedArticleSet>"]))
    clean = Record(pmid=RETRACTED, title=baseline.records[RETRACTED].title)  # cited, not yet known as retracted
    (project / "content" / "papers" / f"{RETRACTED}.yaml").write_text(new_paper(clean, ["reference"], "2026-01-01"))
    mechanism = project / "content" / "mechanisms" / "cd19-genetic-loss.yaml"
    mechanism.write_text(mechanism.read_text().replace('cites: ["pmid:26516065"]', f'cites: ["pmid:{RETRACTED}"]', 1))
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-qm", "the site before the weekly fetch")

    server = FakeEutils().start()
    try:
        server.articles = recorded_articles()
        server.articles[CD22_PAPER] = synthetic_article(
            CD22_PAPER, title="CD22-directed CAR T cells after CD19 loss in B-ALL", mesh=("Antigens, CD22",),
            keywords=("antigen density",))
        server.articles[OTHER_PAPER] = synthetic_article(OTHER_PAPER, title="Hospital costs of cell\u200b therapy")
        server.unknown = {MISSING}  # on the site, no longer returned by PubMed
        server.links[REVIEW] = elink_body(REVIEW, refs=[RETRACTED, RENAMED, MISSING, NEW_REF], similar=[(SIMILAR, 5)],
                                          citedin=[CD22_PAPER, OTHER_PAPER])
        report = tmp_path / "weekly" / "report.json"
        code, log = fetch(project, server, report)
    finally:
        server.stop()
    assert code == 3, log  # one failure: the run is partly failed, and what was fetched is on disk
    assert (project / "content" / "papers" / f"{CD22_PAPER}.yaml").exists()

    output = tmp_path / "github_output"
    env = {**{k: v for k, v in os.environ.items() if k != "GITHUB_OUTPUT"}, "GITHUB_OUTPUT": str(output)}
    body_path = tmp_path / "weekly" / "body.md"
    subprocess.run([sys.executable, str(SCRIPT), str(body_path), "--report", str(report)], cwd=project, env=env,
                   check=True, capture_output=True, text=True)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs == {"changed": "true", "failures": "1",
                       "summary": "4 new, 3 changed papers, 1 other files, 1 new integrity flag, 1 fetch failure"}
    body = body_path.read_text()

    headings = [line for line in body.splitlines() if line.startswith("#")]
    assert headings == ["## New integrity flags (1)", "## New papers (4)", "### Citing the review (2)",
                        "### Similar articles (1)", "### References (1)", "## For a curator to look at (5)",
                        "## Changed papers (3)", "## Other changed files (1)", "## Fetch failures (1)"]
    assert "The fetch was incomplete: 1 failure, listed at the end." in body
    flag = next(line for line in body.splitlines() if f"[PMID {RETRACTED}]" in line)
    assert flag.endswith("**retracted (PMID 11600210)**; cited by content/mechanisms/cd19-genetic-loss&#46;yaml")
    citing = body[body.index("### Citing the review"):body.index("### Similar articles")]
    assert (f"- [PMID {CD22_PAPER}](https://pubmed.ncbi.nlm.nih.gov/{CD22_PAPER}/): SYNTHETIC CD22-directed CAR T "
            "cells after CD19 loss in B-ALL\n  - may concern the strategy **CD22-directed CAR** (`cd22-car`; score 7: "
            "matches CD22, CD22-directed CAR)\n  - may concern the mechanism **CD19 loss by mutation and splicing** "
            "(`cd19-genetic-loss`; score 6: matches CD19, loss, B-ALL)") in citing
    assert f"[PMID {OTHER_PAPER}]" in citing and "no mechanism or strategy scored high enough" in citing
    look = body[body.index("## For a curator to look at"):body.index("## Changed papers")]
    assert f"[PMID {MISSING}](https://pubmed.ncbi.nlm.nih.gov/{MISSING}/): PubMed no longer returns this PMID" in look
    assert (f"[PMID {RENAMED}](https://pubmed.ncbi.nlm.nih.gov/{RENAMED}/): record.pmcid changed from "
            "“PMC5774642” to “(none)”: check the record is still the same paper") in look
    assert f"[PMID {RENAMED}](https://pubmed.ncbi.nlm.nih.gov/{RENAMED}/): record.title changed from “CD22" in look
    assert (f"[PMID {OTHER_PAPER}](https://pubmed.ncbi.nlm.nih.gov/{OTHER_PAPER}/): fetch removed 1 invisible "
            "character (U+200B) from the title (characters no text field may hold): compare with the PubMed page") in look
    failures = body[body.index("## Fetch failures"):]
    assert f"- PMID {MISSING}: not found in PubMed (efetch returned no record for it&#58; unknown or withdrawn" in failures
    assert "record&#46;fetched" not in body  # the date is bookkeeping, never listed as a change
