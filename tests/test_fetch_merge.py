"""Text-level merge: only `record:` and `relations:` change; curation and every comment stay byte-identical."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewsite.fetch.merge import MergeError, dump_record, new_paper, quote, update
from reviewsite.fetch.pubmed import clean
from reviewsite.model import Author, Paper, Record
from reviewsite.safeyaml import loads

FORMAT_EXAMPLE = """\
# yaml-language-server: $schema=../../schemas/paper.schema.json
record:            # bibliographic record; owned by `reviewsite fetch` (a re-fetch rewrites this block only)
  pmid: "29155426"          # omit if not verified; then the file is named <slug>.yaml
  pmcid: "PMC5774642"       # omit unless verified
  doi: "10.1038/nm.4441"    # omit unless verified
  title: "CD22-targeted CAR T cells induce remission in B-ALL"
  authors:                  # in order; may be [] if not verified
    - family: "Fry"
      given: "Terry J"
      initials: "TJ"
    - collective: "Some Study Group"
  journal: "Nature medicine"     # full journal title as PubMed gives it (or as the seed shows it)
  journal_abbrev: "Nat Med"      # optional, ISO/NLM abbreviation
  published: "2018-01"           # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
  epublished: "2017-11-20"       # optional electronic date
  volume: "24"                   # optional
  issue: "1"                     # optional
  pages: "20-28"                 # optional (or article number such as "e002056")
  abstract:                      # optional; as published (bibliographic metadata), list of sections
    - text: "Unstructured abstract text ..."
    # structured: - label: "BACKGROUND"
    #               text: "..."
  publication_types: ["Journal Article", "Clinical Trial, Phase I"]   # optional
  mesh: []                       # optional MeSH headings
  language: "eng"                # optional
relations: [reference]   # owned by fetch; how PubMed links the paper to the review (PMID 30837712):
                         # reference = the review cites it; similar = PubMed "similar article";
                         # cites-review = the paper cites the review. [] for papers only cited on our pages.
curation:                # curated by people; fetch never touches it. Everything optional.
  summary: "One or two sentences in OUR OWN WORDS on what the paper showed (Markdown)."
  tags: ["CD22", "B-ALL"]         # short free tags: disease, antigen, product
  mechanisms: [antigen-modulation]  # mechanism slugs it informs
  strategies: [cd22-car]            # strategy slugs it informs
  trials: ["NCT02315612"]           # only VERIFIED NCT IDs
  notes: "Markdown; verification notes, e.g. where each identifier was seen."
  added: "2026-11-23"
"""


def record_of(text: str) -> Record:
    return Record.model_validate(loads(text.encode()).data["record"])


def curation_text(text: str) -> str:
    return text[text.index("\ncuration:") :]


def comments(text: str) -> list[str]:
    """Every comment in `text`: a '#' at the start of a line or after a space, outside quoted scalars."""
    found = []
    for line in text.splitlines():
        quote, i = "", 0
        while i < len(line):
            ch = line[i]
            if quote == '"' and ch == "\\":
                i += 1
            elif quote and ch == quote:
                if quote == "'" and line[i + 1 : i + 2] == "'":
                    i += 1
                else:
                    quote = ""
            elif not quote and ch in "\"'" and (i == 0 or line[i - 1] in " :[{,-"):
                quote = ch
            elif not quote and ch == "#" and (i == 0 or line[i - 1].isspace()):
                found.append(line[i:].strip())
                break
            i += 1
    return sorted(found)


def test_comments_helper_skips_hashes_in_quoted_values():
    text = 'a: "0 #"  # real\nb: \'it\'\'s # not\'\n# whole line\nc: "esc \\" # still quoted"\n'
    assert comments(text) == ["# real", "# whole line"]


def test_same_record_changes_no_byte():
    old = record_of(FORMAT_EXAMPLE)
    result = update(FORMAT_EXAMPLE, old, ["reference"])
    assert not result.changed and result.text == FORMAT_EXAMPLE


def test_changed_fields_only_and_every_comment_kept():
    old = record_of(FORMAT_EXAMPLE)
    new = old.model_copy(update={"pages": "20-29", "mesh": ["Humans"], "publication_types": ["Journal Article"],
                                 "abstract": [], "authors": [Author(family="Fry", given="Terry J", initials="TJ")]})
    result = update(FORMAT_EXAMPLE, new, ["similar"])
    assert result.fields == ["authors", "pages", "publication_types", "mesh", "abstract"]
    assert result.relations == ["similar"]
    text = result.text
    assert record_of(text) == new
    assert curation_text(text) == curation_text(FORMAT_EXAMPLE)
    assert comments(text) == comments(FORMAT_EXAMPLE)  # none lost, even of the removed abstract
    # unchanged fields keep their exact lines, aligned comments included
    for line in FORMAT_EXAMPLE.splitlines():
        if line.startswith(("  pmid:", "  journal:", "  published:", "  volume:", "  language:")):
            assert line + "\n" in text
    assert '  pages: "20-29"                 # optional (or article number such as "e002056")\n' in text
    assert "relations: [reference, similar]   # owned by fetch;" in text
    assert update(text, new, ["similar", "reference"]).text == text  # a second run: nothing to do


def test_flow_style_record_fields_written_by_hand_are_kept_when_equal():
    text = (
        'record:\n  title: "T"\n  authors:\n    - {family: "Lee", given: "Daniel W", initials: "DW"}\n'
        '  published: "2015"\nrelations: []\ncuration:\n  added: "2026-11-23"\n'
    )
    new = record_of(text).model_copy(update={"pmid": "25319501"})
    out = update(text, new, ["reference"]).text
    assert out == text.replace('record:\n', 'record:\n  pmid: "25319501"\n').replace("[]", "[reference]")


@pytest.mark.parametrize(("relations", "expected"), [
    ("relations: []\n", "relations: [similar, cites-review]\n"),
    ("relations: [reference]  # c\n", "relations: [reference, similar, cites-review]  # c\n"),
    ("relations: [cites-review]\n", "relations: [cites-review, similar]\n"),
    ("relations: [\n  reference,\n]\n", "relations: [\n  reference, similar, cites-review\n]\n"),
    ("relations:\n  - reference  # c\n", "relations:\n  - reference  # c\n  - similar\n  - cites-review\n"),
    ("relations:\n", "relations: [similar, cites-review]\n"),
    ("", "relations: [similar, cites-review]\n"),
])
def test_relations_are_a_union(relations, expected):
    text = f'record:\n  title: "T"\n{relations}curation:\n  added: "2026-11-23"\n'
    out = update(text, None, ["cites-review", "similar", "similar"]).text
    assert out == f'record:\n  title: "T"\n{expected}curation:\n  added: "2026-11-23"\n'
    assert update(out, None, ["similar", "cites-review"]).text == out


def test_relations_never_removed():
    text = 'record:\n  title: "T"\nrelations: [similar, reference]\n'
    assert update(text, None, ["reference"]).text == text


def test_crlf_files_stay_crlf():
    text = FORMAT_EXAMPLE.replace("\n", "\r\n")
    new = record_of(text).model_copy(update={"volume": "25", "issue": None})
    out = update(text, new, ["similar"]).text
    assert "\n" not in out.replace("\r\n", "")
    assert record_of(out) == new


def test_record_at_the_end_without_newline():
    text = 'curation:\n  added: "2026-11-23"\nrecord:\n  title: "T"'
    out = update(text, Record(title="U", pmid="5"), ()).text
    assert out == 'curation:\n  added: "2026-11-23"\nrecord:\n  pmid: "5"\n  title: "U"\n  authors: []'


def test_empty_or_inline_record_becomes_a_block():
    new = Record(title="U")
    assert update("record:\nrelations: []\n", new, ()).text == 'record:\n  title: "U"\n  authors: []\nrelations: []\n'
    assert update('record: {title: "x"}  # c\n', new, ()).text == 'record:\n  title: "U"\n  authors: []  # c\n'


def test_broken_files_are_refused_with_a_position():
    with pytest.raises(MergeError) as err:
        update('record:\n  title: "T"\n  title: "again"\n', Record(title="U"), ())
    assert (err.value.line, "duplicate key") == (3, "duplicate key") and "duplicate" in err.value.message
    with pytest.raises(MergeError, match="no top-level 'record:'"):
        update("curation:\n  added: x\n", Record(title="U"), ())
    with pytest.raises(MergeError, match="relations: expected a list"):
        update('record:\n  title: "T"\nrelations: reference\n', None, ["similar"])


TRICKY = ['a "quoted" \\ back', "# not a comment", "key: value", "012345", "no", "2019-01", "- dash", "[x]",
          "{y}", "&anchor *alias !tag", "100%", "ünïcødé — ✓ 😀", "'single'", "tab\there"]


@pytest.mark.parametrize("value", TRICKY)
def test_quoting_round_trips(value):
    record = Record(title=clean(value), journal=clean(value), authors=[Author(collective=clean(value))])
    text = new_paper(record, [], "2026-01-01")
    assert Paper.model_validate(loads(text.encode()).data).record == record
    assert quote("a\nb\u2028c\x85") == '"a\\nb\\u2028c\\u0085"'


# --- property: re-fetching never changes curated fields (or any comment) -----------------------------

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cf", "Cn", "Zl", "Zp")), max_size=25)
line = st.one_of(st.sampled_from(TRICKY), _text).map(clean).filter(bool)
opt_line = st.none() | line
pmid = st.from_regex(r"[1-9][0-9]{0,8}", fullmatch=True)
author = st.one_of(
    st.builds(Author, family=line, given=opt_line, initials=opt_line),
    st.builds(Author, collective=line),
)
records = st.builds(
    Record,
    pmid=st.none() | pmid,
    doi=st.none() | st.from_regex(r"10\.[0-9]{4}/[a-z0-9.()-]{1,12}", fullmatch=True),
    title=line,
    authors=st.lists(author, max_size=3),
    journal=opt_line,
    published=st.none() | st.sampled_from(["2019", "2019-01", "2018-12-31"]),
    volume=opt_line,
    pages=opt_line,
    abstract=st.lists(st.builds(dict, label=opt_line, text=line), max_size=2),
    publication_types=st.lists(line, max_size=2),
    mesh=st.lists(line, max_size=2),
)
relation_sets = st.lists(st.sampled_from(["reference", "similar", "cites-review"]), max_size=3)
CURATIONS = [
    'curation:\n  summary: |\n    Markdown *text* with # a hash and a [@pmid:1] citation.\n\n    Second paragraph.\n'
    '  # a comment between curated fields\n  tags: ["CD19", "B-ALL"]   # trailing comment\n  added: "2026-11-23"\n',
    'curation:   # owned by people\n  notes: "kept: byte for byte"\n  mechanisms: [cd19-genetic-loss]\n',
    "curation:\n  summary: >\n    folded\n    text\n",
    "",
]


def _with_comments(body: str, seed: list[int]) -> str:
    """Comment lines and end-of-line comments sprinkled into a record block at positions from `seed`."""
    lines = body.splitlines()
    out = []
    for i, text in enumerate(lines):
        if i in seed:
            out.append(f"  # before line {i}")
        out.append(text + (f"  # trailing {i}" if i + 1 in seed else ""))
    return "".join(x + "\n" for x in out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=records, new=records, have=relation_sets, add=relation_sets, curation=st.sampled_from(CURATIONS),
       seed=st.lists(st.integers(0, 40), max_size=6), style=st.sampled_from(["flow", "block", "none"]))
def test_refetch_never_touches_curation_or_comments(old, new, have, add, curation, seed, style):
    have = list(dict.fromkeys(have))
    head = "# yaml-language-server: $schema=../../schemas/paper.schema.json\n# a header comment\n"
    if style == "flow":
        rel = f"relations: [{', '.join(have)}]  # relations comment\n"
    elif style == "block" and have:
        rel = "relations:\n" + "".join(f"  - {r}\n" for r in have)
    else:
        rel, have = "", []
    text = head + "record:\n" + _with_comments(dump_record(old), seed) + "# between\n" + rel + curation
    before = loads(text.encode()).data

    result = update(text, new, add)
    out = result.text
    after = loads(out.encode()).data
    assert out.startswith(head + "record:\n")
    assert out.endswith(curation)  # curated block byte-identical
    assert after.get("curation") == before.get("curation")
    assert Record.model_validate(after["record"]) == new
    got = after.get("relations") or []
    assert got[: len(have)] == have and set(add) <= set(got) and len(got) == len(set(got))
    assert set(comments(text)) <= set(comments(out))  # every comment still there
    again = update(out, new, add)  # the same answers again: not one byte
    assert not again.changed and again.text == out


# --- issue 11: a curator's key inside record: is never dropped ------------------------------------------


@pytest.mark.parametrize(("block", "where", "name"), [
    ('  title: "T"\n  my_note: "checked on the publisher page"\n', (3, 3), "my_note"),
    ('  title: "T"\n  authors:\n    - family: "Lee"\n      nickname: "DW"\n', (5, 7), "nickname"),
])
def test_unknown_keys_inside_record_are_refused_with_their_position(block, where, name):
    text = f"record:\n{block}relations: []\n"
    with pytest.raises(MergeError) as err:
        update(text, Record(title="U"), ["reference"])
    assert (err.value.line, err.value.col) == where
    assert f"unknown field {name!r}" in err.value.message and "curation" in err.value.message
    out = update(text, None, ["reference"]).text  # relations only: the record (and the key) untouched
    assert name in out and "relations: [reference]" in out


# --- issue 15: record.fetched says when fetch last changed the record -----------------------------------


def test_fetched_is_set_only_when_the_record_changes():
    text = 'record:\n  title: "T"\n  authors: []\n  fetched: "2026-01-05"\nrelations: []\n'
    same = update(text, Record(title="T"), (), today="2026-11-24")
    assert not same.changed and same.text == text  # nothing new: the old date stays, no byte moves
    changed = update(text, Record(title="U"), (), today="2026-11-24")
    assert record_of(changed.text) == Record(title="U", fetched="2026-11-24")
    assert changed.fields == ["title"]  # the date is bookkeeping, not a change to report
    plain = 'record:\n  title: "T"\n  authors: []\nrelations: []\n'
    assert update(plain, Record(title="T"), (), today="2026-11-24").text == plain  # not stamped when equal
    assert record_of(update(text, Record(title="U"), ()).text).fetched == "2026-01-05"  # no date given: kept


def test_hash_inside_a_removed_value_is_not_a_lost_comment():
    """Hypothesis found this one: a '#' inside a quoted abstract that a re-fetch drops is text, not a comment."""
    old = Record(title='a "quoted" \\ back', abstract=[{"text": "0 #"}])
    text = "record:\n" + dump_record(old) + "# between\n"
    out = update(text, Record(title='a "quoted" \\ back'), []).text
    assert "0 #" in text and "0 #" not in out
    assert comments(text) == comments(out) == ["# between"]
