"""Every author of every paper, searchable, outside Pagefind: small JSON files the search dialog fetches as a
query needs them (templates/assets/search.js).

Pagefind holds all it indexes in memory while it builds; at 10,000 papers the authors alone (about 80,000
names as page metadata) cost it 146 MB and took the build past its memory target (bench/README.md). Here a
name costs a few bytes on disk, in `literature/authors/`:
- `index.json`: the shards that exist and the size of a paper chunk;
- `XX.json`, a shard: the name words (family and given names and initials, folded to lower-case ASCII)
  that start with XX, each with where it occurs: paper number (in the literature's order) * PLACES + the
  author's place in the paper's list;
- `papers-N.json`: key, title, byline and PMID of papers N * CHUNK to (N + 1) * CHUNK - 1, fetched only
  for the results a reader is shown.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from typing import Any

from .biblio import authors_short
from .model import Author
from .siteindex import SiteIndex

FOLDER = "literature/authors"
"""Where the files go in the docs folder (beside the explorer's rows)."""
CHUNK = 500
"""Papers per `papers-N.json`: a reader shown 8 results fetches one or two of them."""
PLACES = 10_000
"""An occurrence is one number, paper * PLACES + place (a paper lists fewer than 10,000 authors)."""
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII words: `Fernández-López` and `fernandez lopez` fold alike (search.js does the same)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain.casefold()).strip()


@cache
def _words(*parts: str | None) -> tuple[str, ...]:
    """Names repeat across papers and across runs of `reviewsite serve`: each is folded once."""
    return tuple(dict.fromkeys(w for part in parts if part for w in fold(part).split()))


def name_words(author: Author) -> list[str]:
    """The words a reader may type for an author: family and given names and initials (`Fry TJ`, as in a
    Vancouver reference), or the collective name."""
    if author.collective:
        return list(_words(author.collective))
    return list(_words(author.family, author.given, author.initials))


def shard_of(word: str) -> str:
    """The shard a word lives in: its first two characters (one-letter words have their own shard)."""
    return word[:2]


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_last: tuple[list[str], list[Any], list[tuple[str, bytes]]] = ([], [], [])
"""The last files made, with the keys and records they were made from: `reviewsite serve` keeps unchanged
records as the same objects (contentstore), so an edit that changes no paper reuses the files."""


def shards(index: SiteIndex) -> list[tuple[str, bytes]]:
    """(docs path, JSON) for the listing, every shard and every paper chunk."""
    global _last
    keys = [key for key, _ in index.papers]
    records = [paper.record for _, paper in index.papers]
    last_keys, last_records, last_files = _last
    if keys == last_keys and all(a is b for a, b in zip(records, last_records, strict=True)):
        return last_files
    files = list(_make(index))
    _last = (keys, records, files)
    return files


def _make(index: SiteIndex) -> Iterator[tuple[str, bytes]]:
    postings: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for number, (_, paper) in enumerate(index.papers):
        for place, author in enumerate(paper.record.authors[:PLACES]):
            at = number * PLACES + place
            for word in name_words(author):
                postings[shard_of(word)][word].append(at)
    yield f"{FOLDER}/index.json", _json({"version": 1, "chunk": CHUNK, "places": PLACES, "shards": sorted(postings)})
    for shard in sorted(postings):
        words = postings[shard]
        yield f"{FOLDER}/{shard}.json", _json({w: words[w] for w in sorted(words)})
    for start in range(0, len(index.papers), CHUNK):
        rows = [[key, p.record.title, authors_short(p.record), p.record.pmid or ""]
                for key, p in index.papers[start:start + CHUNK]]
        yield f"{FOLDER}/papers-{start // CHUNK}.json", _json(rows)
