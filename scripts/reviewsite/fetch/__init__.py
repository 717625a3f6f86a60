"""`reviewsite fetch` / `reviewsite add`: PubMed records and links into `content/`.

    client   -- polite HTTP: rate limit, retries, timeouts, response cache, key redaction
    pubmed   -- E-utilities XML (efetch, elink) into `Record`s and link sets, safely parsed
    europepmc-- optional second source of references and citing papers
    merge    -- rewrite only the fetch-owned blocks of a YAML file, byte-for-byte elsewhere
    command  -- the two commands: plan, fetch, merge, write, report
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """One problem of a fetch, as a value: where it happened (file, PMID, request) and what went wrong."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"
