"""`reviewsite init DIR --pmid N`: a complete project for any review, started from one PMID against a local
E-utilities stand-in answering with real recorded PubMed records (tests/fixtures/eutils)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reviewsite import cli
from reviewsite.errors import ExitCode
from reviewsite.invariants import check_site
from support.sitetools import tree_digest
from test_fetch_fakes import FakeEutils, Fault, elink_body, recorded_articles

REVIEW = "38534005"  # a real recording: "The EFLM European Urinalysis Guideline 2023", nothing like CAR T cells
REFS = ["29226023", "37909814"]
SIMILAR = [("39364306", 40)]
CITEDIN = ["35649368"]
BIN = Path(sys.executable).parent
# Words of the first site's review: a site about another review must carry none of them.
FIRST_REVIEW_WORDS = re.compile(r"\bCAR[ -]?T\b|leukaem|leukem|lymphoma|\bCD19\b|\bCD22\b|\bShah\b|\bFry\b|"
                                r"mechanisms of resistance", re.IGNORECASE)


@pytest.fixture
def eutils():
    fake = FakeEutils().start()
    fake.articles = recorded_articles()
    fake.links[REVIEW] = elink_body(REVIEW, REFS, SIMILAR, CITEDIN)
    yield fake
    fake.stop()


def init(target: Path, eutils: FakeEutils, *extra: str) -> int:
    return cli.main(["init", str(target), "--pmid", REVIEW, "--eutils-url", eutils.base, "--email", "t@example.org",
                     "--site-url", "https://example.org/urinalysis/", "--no-cache", *extra])


def reviewsite(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([str(BIN / "reviewsite"), *args], cwd=project, capture_output=True, text=True,
                          timeout=300, env=env, check=False)


def test_init_makes_a_project_that_checks_and_builds_a_site_about_that_review(tmp_path, eutils):
    target = tmp_path / "urinalysis"
    assert init(target, eutils) == ExitCode.OK
    config = (target / "mkdocs.yml").read_text(encoding="utf-8")
    assert "site_name: 'The EFLM European Urinalysis Guideline 2023.: a living review'" in config or \
        "The EFLM European Urinalysis Guideline 2023" in config
    review = (target / "content" / "review.yaml").read_text(encoding="utf-8")
    assert 'pmid: "38534005"' in review and "The EFLM European Urinalysis Guideline 2023" in review
    papers = sorted(p.stem for p in (target / "content" / "papers").glob("*.yaml"))
    assert papers == sorted([*REFS, "39364306", *CITEDIN])
    assert (target / "content" / "mechanisms" / "example-mechanism.yaml").is_file()
    assert (target / "content" / "strategies" / "example-strategy.yaml").is_file()
    for name in ("templates/home.md.j2", "templates/overrides/main.html", ".github/workflows/ci.yml",
                 ".github/workflows/fetch.yml", "CONTRIBUTING.md", "scripts/dev.py", "scripts/reviewsite/cli.py",
                 "pyproject.toml", "schemas/paper.schema.json", "README.md"):
        assert (target / name).is_file(), name

    assert reviewsite(target, "check").returncode == 0
    built = reviewsite(target, "build")
    assert built.returncode == 0, built.stderr
    home = (target / "site" / "index.html").read_text(encoding="utf-8")
    assert "The EFLM European Urinalysis Guideline 2023" in home
    assert check_site(target / "site") == []
    leaked = sorted({m.group() for p in (target / "site").rglob("*.html")
                     for m in FIRST_REVIEW_WORDS.finditer(p.read_text(encoding="utf-8"))})
    assert leaked == [], f"the tool carried the first site's review into another: {leaked}"


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, eutils, capsys):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    before = tree_digest(target)
    assert init(target, eutils) == ExitCode.USAGE
    assert "is not empty" in capsys.readouterr().err
    assert tree_digest(target) == before
    assert eutils.count() == 0


def test_a_failed_fetch_leaves_an_honest_partial_project(tmp_path, eutils, capsys):
    eutils.faults.append(Fault("efetch.fcgi", "status", status=400, times=99,
                               body=b'{"error":"API rate limit exceeded"}'))
    target = tmp_path / "partial"
    assert init(target, eutils) == ExitCode.FETCH
    err = capsys.readouterr().err
    assert "the review record was not fetched" in err and "Run `reviewsite fetch`" in err
    review = (target / "content" / "review.yaml").read_text(encoding="utf-8")
    assert "record not fetched yet" in review
    assert reviewsite(target, "check").returncode == 0  # partial, but valid: fetch again to fill it
