"""`reviewsite new mechanism|strategy|overview SLUG`: a valid file to start from, in this site's vocabulary."""

from __future__ import annotations

from .config import Project
from .errors import ReviewsiteError
from .files import atomic_write
from .load import RESERVED
from .model import SLUG_RE
from .schema import schema_line

_CITE_HINT = ("# Cite a paper in prose as [@pmid:NNN] (or [@doi:10.NNNN/x], [@paper:slug]); it needs a file in "
              "content/papers/.")
_EVIDENCE_EXAMPLE = """evidence: []
# evidence:
#   - finding: "A concrete finding, with its numbers and population."
#     cites: ["pmid:PMID"]
#     kind: {kind}   # required: {kinds}
#     context: "disease, population or model"   # required
"""

_MECHANISM = """{schema}
title: "{title}"
order: 100
category: {category}   # {categories}
diseases: []
{cite_hint}
summary: |
  What goes wrong, in your own words.
{evidence}"""

_STRATEGY = """{schema}
title: "{title}"
order: 100
stage: {stage}   # {stages}
addresses: [{mechanism}]   # mechanism slugs this strategy is aimed at
{cite_hint}
summary: |
  What it is and how it counters the mechanisms, in your own words.
trials: []
{evidence}"""

_OVERVIEW = """{schema}
title: "{title}"
order: 100
{cite_hint}
summary: |
  What this overview draws together, in your own words.
sections: []
# sections:
#   - heading: "A heading"
#     body: |
#       A paragraph, with citations.
{evidence}"""

FOLDERS = {"mechanism": "mechanisms", "strategy": "strategies", "overview": "overviews"}


def new_file(project: Project, kind: str, slug: str) -> str:
    """Write `content/<folder>/<slug>.yaml` and return its project-relative path."""
    if not SLUG_RE.match(slug):
        raise ReviewsiteError(f"slug {slug!r} must be lowercase words joined by '-'")
    if slug in RESERVED:
        raise ReviewsiteError(f"{slug!r} is reserved for the section's own page: choose another slug")
    folder = project.root / "content" / FOLDERS[kind]
    path = folder / f"{slug}.yaml"
    if path.exists() or path.is_symlink():
        raise ReviewsiteError(f"{project.rel(path)} already exists")
    settings = project.settings
    kinds = [t.key for t in settings.evidence_kinds]
    common = {"schema": schema_line(kind, 1), "title": slug.replace("-", " ").capitalize(), "cite_hint": _CITE_HINT,
              "evidence": _EVIDENCE_EXAMPLE.format(kind=kinds[0], kinds=" | ".join(kinds))}
    if kind == "mechanism":
        categories = [t.key for t in settings.categories]
        text = _MECHANISM.format(category=categories[0], categories=" | ".join(categories), **common)
    elif kind == "strategy":
        mechanisms = sorted(p.stem for p in (project.root / "content" / "mechanisms").glob("*.yaml"))
        if not mechanisms:
            raise ReviewsiteError("add a mechanism first: a strategy must address at least one")
        stages = [t.key for t in settings.stages]
        text = _STRATEGY.format(stage=stages[0], stages=" | ".join(stages), mechanism=mechanisms[0], **common)
    else:
        text = _OVERVIEW.format(**common)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))
    return project.rel(path)
