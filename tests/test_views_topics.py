"""Pages whose size must not grow with the literature: a topic page lists at most FURTHER_READING papers.

At 10,000 papers a mechanism tagged by a few hundred of them would otherwise list every one (bench/).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from reviewsite.views.topics import FURTHER_READING
from support.projects import render_view, views_of

ROOT = Path(__file__).resolve().parent.parent
EXTRA = FURTHER_READING + 7


def _add_tagged_papers(project: Path, count: int) -> list[str]:
    """`count` synthetic papers curated onto cd19-genetic-loss and cd22-car, none of them cited."""
    pmids = [str(90_000_001 + i) for i in range(count)]
    for i, pmid in enumerate(pmids):
        (project / "content" / "papers" / f"{pmid}.yaml").write_text(
            f'record:\n  pmid: "{pmid}"\n  title: "[synthetic] Tagged paper {i}"\n  published: "{2000 + i}"\n'
            "curation:\n  mechanisms: [cd19-genetic-loss]\n  strategies: [cd22-car]\n",
            encoding="utf-8",
        )
    return pmids


def _page(pages, path):
    return next(p for p in pages if p.path == path)


def test_topic_pages_list_the_newest_papers_and_link_to_the_rest(project):
    pmids = _add_tagged_papers(project, EXTRA)
    site, pages = views_of(project)
    for path, topic in (("mechanisms/cd19-genetic-loss.md", "mechanisms:cd19-genetic-loss"),
                        ("strategies/cd22-car.md", "strategies:cd22-car")):
        page = _page(pages, path)
        listed = [row["url"] for row in page.data["papers"]]
        assert len(listed) == FURTHER_READING
        # Newest first: the synthetic papers are dated 2000 + i, so the last ones come first.
        assert listed[0] == f"/fixture/papers/{pmids[-1]}/"
        more = page.data["papers_more"]
        assert more["url"] == f"/fixture/literature/?topic={topic}"
        assert more["count"] >= EXTRA - FURTHER_READING
        text = render_view(site, page)
        assert f'{more["count"]} more: <a href="/fixture/literature/?topic={topic}">' in text
        assert text.count('<li><a href="/fixture/papers/') <= FURTHER_READING + len(page.data.get("references", []))


def test_topic_pages_without_many_papers_have_no_more_link(project):
    site, pages = views_of(project)
    for page in pages:
        if page.template in ("mechanism.md.j2", "strategy.md.j2"):
            assert page.data["papers_more"] is None
            assert " more: <a " not in render_view(site, page)


def test_capped_topic_page_builds_strictly_and_its_link_resolves(project):
    _add_tagged_papers(project, EXTRA)
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("GITHUB_ACTIONS", None)
    result = subprocess.run([str(Path(sys.executable).parent / "reviewsite"), "build"], cwd=project,
                            capture_output=True, text=True, timeout=600, env=env, check=False)
    assert result.returncode == 0, result.stderr
    html = (project / "site" / "mechanisms" / "cd19-genetic-loss" / "index.html").read_text(encoding="utf-8")
    assert 'href="/fixture/literature/?topic=mechanisms:cd19-genetic-loss"' in html
    literature = (project / "site" / "literature" / "index.html").read_text(encoding="utf-8")
    assert 'value="mechanisms:cd19-genetic-loss"' in literature  # the filter offers the topic the link asks for
    rows = literature.count('data-topics="') - literature.count('data-topics=""')
    assert rows >= EXTRA
