"""Every author of every paper, searchable, outside Pagefind: small JSON shards the search dialog fetches
one or two at a time (templates/assets/search.js).

Pagefind holds all it indexes in memory while it builds; at 10,000 papers the authors alone (about 80,000
names as page metadata) cost it 146 MB and took the build past its memory target (bench/README.md). Here a
name costs a few bytes on disk. Each shard `literature/authors/XX.json` holds the name words (family and
given names, folded to lower-case ASCII) that start with XX, each with the papers and the author's place
in them, and the title, byline and PMID of those papers, so one shard answers a one-word query alone.
`literature/authors/index.json` lists the shards, so the dialog asks only for shards that exist.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from .biblio import authors_short
from .model import Author
from .siteindex import SiteIndex

FOLDER = "literature/authors"
"""Where the shards go in the docs folder (beside the explorer's rows)."""
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII words: `Fernández-López` and `fernandez lopez` fold alike (search.js does the same)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain.casefold()).strip()


def name_words(author: Author) -> list[str]:
    """The words a reader may type for an author: family and given names and initials (`Fry TJ`, as in a
    Vancouver reference), or the collective name."""
    parts = [author.collective] if author.collective else [author.family, author.given, author.initials]
    return list(dict.fromkeys(w for part in parts if part for w in fold(part).split()))


def shard_of(word: str) -> str:
    """The shard a word lives in: its first two characters (one-letter words have their own shard)."""
    return word[:2]


def shards(index: SiteIndex) -> Iterator[tuple[str, bytes]]:
    """(docs path, JSON) for every shard, in name order; papers are numbered in the site index's order."""
    postings: dict[str, dict[str, list[list[int]]]] = defaultdict(lambda: defaultdict(list))
    for number, (_, paper) in enumerate(index.papers):
        for place, author in enumerate(paper.record.authors):
            for word in name_words(author):
                postings[shard_of(word)][word].append([number, place])
    keys = [key for key, _ in index.papers]
    listing = {"version": 1, "shards": sorted(postings)}
    yield f"{FOLDER}/index.json", json.dumps(listing, separators=(",", ":")).encode("utf-8")
    for shard in sorted(postings):
        words = postings[shard]
        numbers = sorted({n for found in words.values() for n, _ in found})
        papers: dict[str, Any] = {}
        for n in numbers:
            record = index.paper(keys[n]).record
            papers[str(n)] = [keys[n], record.title, authors_short(record), record.pmid or ""]
        data = {"version": 1, "words": {w: words[w] for w in sorted(words)}, "papers": papers}
        yield f"{FOLDER}/{shard}.json", json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
