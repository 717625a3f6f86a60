"""Typed settings of one site: `extra.reviewsite` in `mkdocs.yml`, validated once when the project is read.

Everything that belongs to one review rather than to the tool lives here (section titles and texts,
the category and stage vocabularies, relation labels, who curates the site and under which licence),
so that the package and the templates name no disease, therapy or author.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .model import HttpsUrl, Line, Prose, Slug

ENGINES = ("mkdocs", "properdocs", "zensical")
Engine = Literal["mkdocs", "properdocs", "zensical"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Term(_Strict):
    """One word of a vocabulary: the key content files use, the title readers see."""

    key: Slug
    title: Line
    description: Line | None = None


class Section(_Strict):
    """A section page: its title, the one-line description search engines show, and an optional intro."""

    title: Line
    description: Line
    intro: Prose | None = None
    singular: Line | None = None
    """What one item of the section is called above its title ("Mechanism"), where that applies."""


def _section(title: str, description: str, singular: str | None = None) -> Section:
    return Section(title=title, description=description, singular=singular)


class Sections(_Strict):
    mechanisms: Section = _section("Mechanisms", "What goes wrong, grouped by category, with the evidence.",
                                   "Mechanism")
    strategies: Section = _section("Strategies", "Approaches that address the mechanisms, by stage of evidence.",
                                   "Strategy")
    literature: Section = _section("Literature", "Every paper behind this site: the review's references, "
                                   "similar articles and papers citing it.")
    matrix: Section = _section("Evidence matrix", "Which strategy addresses which mechanism, and the evidence "
                               "that links them.")
    tags: Section = _section("Tags", "Diseases, targets and products named on this site, with the pages that "
                             "mention them.")
    about: Section = _section("About and contributing", "How this site is made, how to cite it and how to "
                              "contribute.")
    whats_new: Section = _section("What's new", "Papers added and pages changed, newest first.")


class Licence(_Strict):
    name: Line
    url: HttpsUrl | None = None


class SiteCitation(_Strict):
    """How to cite the site itself, as in the repository's CITATION.cff (the about page shows it)."""

    title: Line
    authors: list[Line] = Field(min_length=1)
    url: HttpsUrl
    cff: Line | None = None
    """Path of the CITATION.cff in the repository, linked from the about page."""


DEFAULT_RELATIONS: dict[str, str] = {
    "reference": "Reference of the review",
    "similar": "Similar article",
    "cites-review": "Cites the review",
}

DEFAULT_EVIDENCE_KINDS: tuple[Term, ...] = (
    Term(key="randomised-trial", title="Randomised trial"),
    Term(key="single-arm-trial", title="Single-arm trial"),
    Term(key="observational", title="Observational study"),
    Term(key="meta-analysis", title="Meta-analysis"),
    Term(key="case-report", title="Case report"),
    Term(key="preclinical-in-vivo", title="Preclinical, in vivo"),
    Term(key="preclinical-in-vitro", title="Preclinical, in vitro"),
)


class Relations(_Strict):
    """Labels of the three ways PubMed links a paper to the review (the keys are fixed by `fetch`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    reference: Line = DEFAULT_RELATIONS["reference"]
    similar: Line = DEFAULT_RELATIONS["similar"]
    cites_review: Line = Field(DEFAULT_RELATIONS["cites-review"], alias="cites-review")

    def titles(self) -> dict[str, str]:
        return {"reference": self.reference, "similar": self.similar, "cites-review": self.cites_review}


class Settings(_Strict):
    """`extra.reviewsite` of mkdocs.yml."""

    engine: Engine = "mkdocs"
    branch: Line = "main"
    email: Line | None = None
    similar: int = Field(20, ge=0, le=500)
    """How many of PubMed's similar articles `fetch` keeps."""
    europepmc: bool = False
    """Also ask Europe PMC for references and citations (`fetch`)."""
    literature_rows: int = Field(100, ge=1, le=2000)
    """How many papers the literature page lists in its HTML (newest first); the explorer loads the others
    from `literature/rows.json` when a reader filters, sorts or asks for more, so the page does not grow."""
    cache_dir: Line = ".cache/reviewsite"
    cache_hours: float = Field(24.0, ge=0)
    templates: Line = "templates"
    curators: list[Line] = []
    licence: Licence | None = None
    citation: SiteCitation | None = None
    sections: Sections = Sections()
    categories: list[Term] = Field(
        default=[Term(key="general", title="General")], min_length=1
    )
    stages: list[Term] = Field(
        default=[Term(key="preclinical", title="Preclinical"), Term(key="clinical", title="Clinical")], min_length=1
    )
    evidence_kinds: list[Term] = Field(default=list(DEFAULT_EVIDENCE_KINDS), min_length=1)
    relations: Relations = Relations()

    @model_validator(mode="after")
    def _unique_keys(self) -> Settings:
        for name in ("categories", "stages", "evidence_kinds"):
            keys = [t.key for t in getattr(self, name)]
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            if dupes:
                raise ValueError(f"{name}: key {dupes[0]!r} is listed twice")
        return self

    def vocabulary(self, name: str) -> dict[str, str]:
        """Key -> title of `categories`, `stages` or `evidence_kinds`, in the order the settings give."""
        return {t.key: t.title for t in getattr(self, name)}
