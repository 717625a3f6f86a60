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


def _read(site, name: str):
    return json.loads((site.site / authorindex.FOLDER / name).read_text(encoding="utf-8"))


def _shard(site, word: str) -> dict:
    return _read(site, f"{authorindex.shard_of(word)}.json")


def _paper(site, number: int) -> list:
    return _read(site, f"papers-{number // authorindex.CHUNK}.json")[number % authorindex.CHUNK]


def test_fold_makes_the_words_a_reader_types():
    assert authorindex.fold("Fernández-López") == "fernandez lopez"
    assert authorindex.fold("O'Brien & {Co}") == "o brien co"
    assert authorindex.fold("  ÜNÏCÖDÉ ") == "unicode"


def test_every_author_of_every_paper_is_in_the_shard_of_each_name_word_and_the_paper_in_its_chunk(site):
    keys = [key for key, _ in site.index.papers]
    checked = 0
    for number, key in enumerate(keys):
        record = site.index.paper(key).record
        for place, author in enumerate(record.authors):
            words = authorindex.name_words(author)
            assert words, (key, author)
            for word in words:
                assert number * authorindex.PLACES + place in _shard(site, word)[word], (key, word)
                checked += 1
        assert _paper(site, number) == [key, record.title, authors_short(record), record.pmid or ""]
    assert checked > 30


def test_hostile_names_are_folded_to_plain_words(site):
    """Names reach the dialog as JSON strings shown with textContent; their words are plain ASCII."""
    number = [key for key, _ in site.index.papers].index(HOSTILE_KEY)
    assert number * authorindex.PLACES in _shard(site, "brien")["brien"]
    assert number * authorindex.PLACES + 2 in _shard(site, "study")["study"]
    for path in (site.site / authorindex.FOLDER).glob("*.json"):
        if path.stem == "index" or path.stem.startswith("papers-"):
            continue
        assert all(word.isalnum() and word.isascii() for word in json.loads(path.read_text()))


def test_shards_are_only_those_with_words_and_the_listing_names_them(site):
    folder = site.site / authorindex.FOLDER
    names = {p.stem for p in folder.glob("*.json") if p.stem != "index" and not p.stem.startswith("papers-")}
    listing = json.loads((folder / "index.json").read_text())
    assert listing["shards"] == sorted(names) and listing["chunk"] == authorindex.CHUNK
    assert listing["places"] == authorindex.PLACES
    chunks = len(list(folder.glob("papers-*.json")))
    assert chunks == -(-len(site.index.papers) // authorindex.CHUNK)
    expected = {authorindex.shard_of(w) for _, p in site.index.papers for a in p.record.authors
                for w in authorindex.name_words(a)}
    assert names == expected
