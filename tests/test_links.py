"""Curated outside links (https only) reach mechanism, strategy and paper pages, escaped."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from reviewsite.check import check
from reviewsite.config import find_project
from support.projects import render_view, views_of

ROOT = Path(__file__).resolve().parent.parent


def add(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_links_render_on_every_kind(project):
    add(project / "content/mechanisms/cd19-genetic-loss.yaml",
        'links:\n  - title: "Registry <entry> & \\"more\\""\n    url: "https://clinicaltrials.gov/study/NCT02315612"\n')
    add(project / "content/strategies/cd22-car.yaml",
        'links:\n  - title: "FDA label"\n    url: "https://www.fda.gov/x"\n')
    add(project / "content/papers/29155426.yaml", '  links:\n    - title: "Data"\n      url: "https://doi.org/10.1/x"\n')
    site, views = views_of(project)
    pages = {page.path: render_view(site, page) for page in views}
    for path, href, title in [
        ("mechanisms/cd19-genetic-loss.md", "https://clinicaltrials.gov/study/NCT02315612", 'Registry <entry> & "more"'),
        ("strategies/cd22-car.md", "https://www.fda.gov/x", "FDA label"),
        ("papers/29155426.md", "https://doi.org/10.1/x", "Data"),
    ]:
        soup = BeautifulSoup(pages[path], "html.parser")
        anchors = [a for a in soup.select("ul.rs-links a.rs-out") if a["href"] == href]
        assert anchors, path
        assert anchors[0].get_text() == title
        assert "<entry>" not in pages[path]


def test_unsafe_link_urls_are_rejected_with_a_line(project):
    add(project / "content/strategies/cd22-car.yaml",
        'links:\n  - title: "x"\n    url: "javascript:alert(1)"\n  - title: "y"\n    url: "http://example.org/"\n')
    messages = [str(p) for p in check(find_project(project))[1]]
    assert any(m.startswith("content/strategies/cd22-car.yaml:20:10: links.0.url: URL must use https") for m in messages), messages
    assert any(m.startswith("content/strategies/cd22-car.yaml:22:10: links.1.url: URL must use https") for m in messages), messages
