"""A small site for the browser tests of search and the literature explorer: the minimal fixture's content,
the papers of tests/fixtures/literature and one synthetic paper with seven authors, built with the
repository's real mkdocs.yml and templates, its literature page listing only the 3 newest papers
(`literature_rows: 3`), so that the explorer has to load the others from its JSON rows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from support.sitetools import FIXTURES, build, make_project

MANY_AUTHORS_KEY = "39999901"
FIFTH_AUTHOR = "Quillfeather"
MANY_AUTHORS_YAML = f"""# synthetic: seven authors, so that the fifth is neither among the first three nor the last
record:
  pmid: "{MANY_AUTHORS_KEY}"
  title: "[synthetic] A cohort described by seven authors"
  authors:
    - {{family: "Amberly", initials: "A"}}
    - {{family: "Birchwood", initials: "B"}}
    - {{family: "Calloway", initials: "C"}}
    - {{family: "Dunmore", initials: "D"}}
    - {{family: "{FIFTH_AUTHOR}", initials: "Q"}}
    - {{family: "Eastwick", initials: "E"}}
    - {{family: "Fairbairn", initials: "F"}}
  journal: "J Synth Test"
  published: "2018-05"
relations: [similar]
"""
PAGE_ROWS = 3

_BUILT: dict[str, Path] = {}


def search_site(dest: Path) -> Path:
    """Build the site once per test session (both browser modules use it); the project folder."""
    if "site" in _BUILT:
        return _BUILT["site"]
    project = make_project(dest)
    for paper in sorted((FIXTURES / "literature").glob("*.yaml")):
        shutil.copy(paper, project / "content" / "papers" / paper.name)
    (project / "content" / "papers" / f"{MANY_AUTHORS_KEY}.yaml").write_text(MANY_AUTHORS_YAML, encoding="utf-8")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "\n  reviewsite:\n" in text
    config.write_text(text.replace("\n  reviewsite:\n", f"\n  reviewsite:\n    literature_rows: {PAGE_ROWS}\n", 1),
                      encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, f"the search site did not build:\n{result.stdout}\n{result.stderr}"
    _BUILT["site"] = project
    return project


def open_page(context, url: str, width: int = 1280):  # noqa: ANN001, ANN201 - playwright objects
    """A new page at `width` px that records the URL of every request it makes (`page.requests`)."""
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900 if width >= 1280 else 812})
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(url, wait_until="load")
    return page
