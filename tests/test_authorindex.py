"""The author index (reviewsite/authorindex.py): every author of every paper of the built fixture site can be
found in the shard of each of their name words, with the paper's title, byline and PMID there too.

How the search dialog uses it (typing a fifth author, a middle author) is in test_search_browser.py.
"""

from __future__ import annotations

import json

import pytest

from reviewsite import authorindex
from reviewsite.biblio import authors_short
from support.builtsite import HOSTILE_KEY, build_site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("built"))


def _shard(site, word: str) -> dict:
    path = site.site / authorindex.FOLDER / f"{authorindex.shard_of(word)}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_fold_makes_the_words_a_reader_types():
    assert authorindex.fold("Fernández-López") == "fernandez lopez"
    assert authorindex.fold("O'Brien & {Co}") == "o brien co"
    assert authorindex.fold("  ÜNÏCÖDÉ ") == "unicode"


def test_every_author_of_every_paper_is_in_the_shard_of_each_name_word(site):
    keys = [key for key, _ in site.index.papers]
    checked = 0
    for number, key in enumerate(keys):
        record = site.index.paper(key).record
        for place, author in enumerate(record.authors):
            words = authorindex.name_words(author)
            assert words, (key, author)
            for word in words:
                shard = _shard(site, word)
                assert [number, place] in shard["words"][word], (key, word)
                assert shard["papers"][str(number)] == [key, record.title, authors_short(record), record.pmid or ""]
                checked += 1
    assert checked > 30


def test_hostile_names_are_folded_to_plain_words(site):
    """Names reach the dialog as JSON strings shown with textContent; their words are plain ASCII."""
    number = [key for key, _ in site.index.papers].index(HOSTILE_KEY)
    assert [number, 0] in _shard(site, "brien")["words"]["brien"]
    assert [number, 2] in _shard(site, "study")["words"]["study"]
    for path in (site.site / authorindex.FOLDER).glob("*.json"):
        if path.stem == "index":
            continue
        assert all(word.replace(" ", "").isalnum() and word.isascii() for word in json.loads(path.read_text())["words"])


def test_shards_are_only_those_with_words_and_the_listing_names_them(site):
    folder = site.site / authorindex.FOLDER
    names = {p.stem for p in folder.glob("*.json")} - {"index"}
    assert json.loads((folder / "index.json").read_text())["shards"] == sorted(names)
    expected = {authorindex.shard_of(w) for _, p in site.index.papers for a in p.record.authors
                for w in authorindex.name_words(a)}
    assert names == expected
