"""The real content builds into a complete site, and the content holds to the review's accuracy rules."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewsite.check import check
from reviewsite.config import find_project

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed" / "000_99dfd352b6dbb1d8.txt"


@pytest.fixture(scope="module")
def real():
    content, problems = check(find_project(ROOT))
    assert [str(p) for p in problems] == []
    return content


def test_every_mechanism_has_evidence_and_a_strategy(real):
    addressed = {m for s in real.strategies.values() for m in s.addresses}
    assert len(real.mechanisms) >= 8
    for slug, mechanism in real.mechanisms.items():
        assert len(mechanism.evidence) >= 3, slug
        assert slug in addressed, f"no strategy addresses {slug}"


def test_every_strategy_addresses_a_mechanism(real):
    assert len(real.strategies) >= 9
    for slug, strategy in real.strategies.items():
        assert strategy.addresses, slug
        assert strategy.evidence, slug


def _seed_items() -> list[tuple[str, str, str]]:
    """(relation, pmid, title) for the seed page's similar articles and citing papers."""
    text = SEED.read_text(encoding="utf-8")
    similar = text[text.index("Similar articles"):text.index("Cited by")]
    cited = text[text.index("Cited by"):text.index("References")]
    items = []
    for relation, block in (("similar", similar), ("cites-review", cited)):
        for entry in block.split("\n-\n")[1:]:
            pmid = re.search(r"PMID: (\d+)", entry).group(1)
            title = entry.strip().split("\n")[0]
            title = title[: title.index(".", len(title) // 3) + 1] if "." in title else title
            items.append((relation, pmid, title))
    return items


def test_seed_related_items_present_with_seed_identifiers(real):
    items = _seed_items()
    assert len(items) == 10
    for relation, pmid, title_start in items:
        paper = real.papers.get(pmid)
        assert paper is not None, pmid
        assert relation in paper.relations, pmid
        assert paper.record.pmid == pmid
        assert title_start.startswith(paper.record.title.rstrip(".")[:40]), (pmid, paper.record.title)
        seed_doi = re.search(rf"{re.escape(paper.record.title[:30])}.*?doi: (\S+?)\.\s", SEED.read_text(), re.S)
        if seed_doi:
            assert paper.record.doi == seed_doi.group(1), pmid
    references = [p for p in real.papers.values() if "reference" in p.relations]
    assert any(p.record.title.startswith("Tragedy, perseverance, and chance") for p in references)


def test_review_record_matches_the_seed(real):
    rec = real.review.record
    assert (rec.pmid, rec.pmcid, rec.doi) == ("30837712", "PMC8214555", "10.1038/s41571-019-0184-6")
    assert rec.title == "Mechanisms of resistance to CAR T cell therapy"
    seed_abstract = SEED.read_text(encoding="utf-8").split("Abstract\n", 1)[1].split("\nConflict", 1)[0]
    assert " ".join(s.text for s in rec.abstract) == seed_abstract.strip()


def test_real_site_builds(tmp_path):
    project = tmp_path / "site-project"
    project.mkdir()
    for name in ("content", "templates", "schemas"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    result = subprocess.run([str(Path(sys.executable).parent / "reviewsite"), "build"], cwd=project,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    site = project / "site"
    for slug in (ROOT / "content" / "mechanisms").glob("*.yaml"):
        assert (site / "mechanisms" / slug.stem / "index.html").is_file()
    for key in (ROOT / "content" / "papers").glob("*.yaml"):
        assert (site / "papers" / key.stem / "index.html").is_file()
