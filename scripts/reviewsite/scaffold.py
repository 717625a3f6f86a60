"""`reviewsite new mechanism|strategy SLUG`: a valid file to start from."""

from __future__ import annotations

from pathlib import Path

from .errors import ReviewsiteError
from .model import SLUG_RE
from .schema import schema_line

_MECHANISM = """{schema}
title: "{title}"
order: 100
category: antigen-escape   # antigen-escape | t-cell-dysfunction | microenvironment | manufacturing
diseases: []
# Cite a paper in prose as [@pmid:NNN] (or [@doi:10.NNNN/x], [@paper:slug]); it needs a file in content/papers/.
summary: |
  What goes wrong, in your own words.
evidence: []
# evidence:
#   - finding: "A concrete finding, with its numbers and population."
#     cites: ["pmid:PMID"]
"""

_STRATEGY = """{schema}
title: "{title}"
order: 100
stage: preclinical   # preclinical | early-trial | late-trial | approved
addresses: [{mechanism}]   # mechanism slugs this strategy is aimed at
# Cite a paper in prose as [@pmid:NNN] (or [@doi:10.NNNN/x], [@paper:slug]); it needs a file in content/papers/.
summary: |
  What it is and how it counters the mechanisms, in your own words.
trials: []
evidence: []
"""


def new_file(root: Path, kind: str, slug: str) -> Path:
    if not SLUG_RE.match(slug):
        raise ReviewsiteError(f"slug {slug!r} must be lowercase words joined by '-'")
    folder = root / "content" / ("mechanisms" if kind == "mechanism" else "strategies")
    path = folder / f"{slug}.yaml"
    if path.exists():
        raise ReviewsiteError(f"{path.relative_to(root).as_posix()} already exists")
    title = slug.replace("-", " ").capitalize()
    if kind == "mechanism":
        text = _MECHANISM.format(schema=schema_line(kind, 1), title=title)
    else:
        mechanisms = sorted(p.stem for p in (root / "content" / "mechanisms").glob("*.yaml"))
        if not mechanisms:
            raise ReviewsiteError("add a mechanism first: a strategy must address at least one")
        text = _STRATEGY.format(schema=schema_line(kind, 1), title=title, mechanism=mechanisms[0])
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
