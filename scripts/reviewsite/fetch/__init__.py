"""`reviewsite fetch` / `reviewsite add`: PubMed records and links into `content/`.

    client   -- polite HTTP: rate limit, retries, timeouts, response cache, key redaction
    pubmed   -- E-utilities XML (efetch, elink) into `Record`s and link sets, safely parsed
    europepmc-- optional second source of references and citing papers
    merge    -- rewrite only the fetch-owned blocks of a YAML file, byte-for-byte elsewhere
    lock     -- one fetch at a time per project
    progress -- batches and waits shown as they happen (a bar on a terminal, lines in CI logs)
    report   -- failures as values, and the JSON report the weekly workflow reads
    triage   -- which mechanisms and strategies a new paper may concern, with the reasons
    command  -- the two commands: plan, fetch, merge, write, report
"""

from __future__ import annotations

from .report import Failure

__all__ = ["Failure"]
