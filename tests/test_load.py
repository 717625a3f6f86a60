"""Loading content into models: schema problems come back with the line of the offending key or value."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewsite.load import load_content


def write(project: Path, rel: str, text: str) -> None:
    path = project / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def messages(project: Path) -> list[str]:
    _, problems = load_content(project)
    return [str(p) for p in problems]


def test_fixture_loads_clean(project):
    content, problems = load_content(project)
    assert problems == []
    assert content.review is not None
    assert set(content.mechanisms) == {"cd19-genetic-loss", "limited-persistence"}
    assert set(content.papers) == {"26516065", "29155426", "rosenbaum-2017"}


PAPER = 'record:\n  pmid: "{pmid}"\n  title: "A title"\n'


@pytest.mark.parametrize(
    ("pmid_line", "expect"),
    [
        ("  pmid: 012345\n", "content/papers/x.yaml:2:9: record.pmid: PMID must be 1-9 digits"),
        ("  pmid: no\n", "content/papers/x.yaml:2:9: record.pmid: PMID must be"),
        ("  pmid: 1e5\n", "content/papers/x.yaml:2:9: record.pmid: PMID must be"),
        ("  pmid: 12:30\n", "content/papers/x.yaml:2:9: record.pmid: PMID must be"),
        ("  pmid: [1, 2]\n", "content/papers/x.yaml:2:9: record.pmid: Input should be a valid string"),
    ],
)
def test_pmid_is_a_strict_string(project, pmid_line, expect):
    write(project, "content/papers/x.yaml", "record:\n" + pmid_line + '  title: "T"\n')
    assert any(m.startswith(expect) for m in messages(project)), messages(project)


def test_unknown_field_points_at_the_key(project):
    write(project, "content/papers/x.yaml", 'record:\n  title: "T"\n  titel: "typo"\n')
    assert "content/papers/x.yaml:3:3: unknown field 'titel'" in messages(project)


def test_missing_required_field_points_at_the_mapping(project):
    write(project, "content/mechanisms/m.yaml", 'title: "M"\ncategory: antigen-escape\n')
    assert "content/mechanisms/m.yaml:1:1: summary: required field is missing" in messages(project)


def test_unknown_category_names_the_bad_value_and_the_choices(project):
    from reviewsite.check import check
    from reviewsite.config import find_project

    write(project, "content/mechanisms/m.yaml", 'title: "M"\ncategory: antigen-loss\nsummary: "s"\n')
    found = [str(p) for p in check(find_project(project))[1] if p.path == "content/mechanisms/m.yaml"]
    assert found == ["content/mechanisms/m.yaml:2:11: category 'antigen-loss' is not defined: use one of "
                     "antigen-escape, t-cell-dysfunction (or add it to extra.reviewsite.categories in mkdocs.yml)"]


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("pmcid", "pmc123", "PMCID must be 'PMC' followed by digits"),
        ("doi", "10.1/x", "DOI must be '10.NNNN/suffix'"),
        ("doi", "10.1000/a b", "DOI must be"),
        ("published", "2021-02-30", "invalid date"),
        ("published", "March 2021", "date must be YYYY"),
    ],
)
def test_identifier_and_date_formats(project, field, value, fragment):
    write(project, "content/papers/x.yaml", f'record:\n  title: "T"\n  {field}: "{value}"\n')
    found = [m for m in messages(project) if m.startswith("content/papers/x.yaml:3:")]
    assert found and fragment in found[0], messages(project)


def test_trial_id_format(project):
    write(project, "content/papers/x.yaml", 'record:\n  title: "T"\ncuration:\n  trials: ["NCT123"]\n')
    assert any("content/papers/x.yaml:4:12: curation.trials.0: trial ID must be" in m for m in messages(project))


def test_single_line_fields_reject_newlines_and_bidi(project):
    write(project, "content/papers/x.yaml", 'record:\n  title: "A\\ntemplate: evil"\n')
    assert any("content/papers/x.yaml:2:10: record.title: must be a single line" in m for m in messages(project))
    write(project, "content/papers/x.yaml", 'record:\n  title: "A\\u202eB"\n')
    assert any("record.title: character U+202E (right-to-left override) at position 2 is not allowed" in m
               for m in messages(project)), messages(project)


def test_private_use_characters_rejected_in_prose(project):
    write(project, "content/mechanisms/m.yaml",
          'title: "M"\ncategory: antigen-escape\nsummary: "x\\ue0001\\ue001"\n')
    assert any("summary: character U+E000" in m for m in messages(project))


def test_paper_file_name_must_match_pmid(project):
    write(project, "content/papers/123.yaml", PAPER.format(pmid="456"))
    assert any("file is named 123.yaml but record.pmid is '456'" in m for m in messages(project))
    write(project, "content/papers/123.yaml", PAPER.format(pmid="123"))
    write(project, "content/papers/some-slug.yaml", PAPER.format(pmid="789"))
    assert any("content/papers/789.yaml" in m for m in messages(project))


def test_bad_file_names(project):
    write(project, "content/mechanisms/Bad_Name.yaml", "title: x\n")
    write(project, "content/strategies/notes.txt", "x")
    msgs = messages(project)
    assert "content/mechanisms/Bad_Name.yaml:1:1: file name 'Bad_Name' must be a slug (lowercase-words)" in msgs
    assert "content/strategies/notes.txt:1:1: content files must end in .yaml" in msgs


def test_missing_review(project):
    (project / "content" / "review.yaml").unlink()
    assert "content/review.yaml:1:1: missing: every site needs content/review.yaml" in messages(project)


def test_https_only_urls():
    from pydantic import TypeAdapter, ValidationError

    from reviewsite.model import HttpsUrl

    adapter = TypeAdapter(HttpsUrl)
    assert adapter.validate_python("https://doi.org/10.1000/182") == "https://doi.org/10.1000/182"
    for bad in ["javascript:alert(1)", "http://doi.org/x", "//evil.example", "https://user@evil.example/",
                'https://doi.org/x" onmouseover="a', "https://127.0.0.1/", "https://pubmed.ncbі.nlm.nih.gov/"]:
        with pytest.raises(ValidationError):
            adapter.validate_python(bad)
