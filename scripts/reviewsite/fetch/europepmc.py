"""Europe PMC as an optional second source of links: its reference lists and citations go beyond PMC's.

Only PubMed-indexed items are taken (source MED, or a `pmid` field): anything else would need a file
without a PMID, which fetch never creates. Off unless a Europe PMC URL is configured.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from ..model import PMID_RE
from .client import Client
from .pubmed import BadResponse

PAGE_SIZE = 1000
MAX_PAGES = 20
_LISTS = {"references": ("referenceList", "reference"), "citations": ("citationList", "citation")}


def parse_page(body: bytes, kind: str) -> tuple[list[str], int]:
    """(PMIDs on this page, total hit count) from one `/MED/{pmid}/references|citations` JSON answer."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadResponse(f"malformed or truncated JSON ({exc})", retryable=True) from None
    if not isinstance(data, dict):
        raise BadResponse("unexpected JSON (not an object)", retryable=False)
    outer, inner = _LISTS[kind]
    items = (data.get(outer) or {}).get(inner) or []
    if not isinstance(items, list):
        raise BadResponse(f"unexpected JSON ({outer}.{inner} is not a list)", retryable=False)
    ids: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        pmid = str(item.get("pmid") or (item.get("id") if item.get("source") == "MED" else "") or "")
        if PMID_RE.match(pmid) and pmid not in ids:
            ids.append(pmid)
    hits = data.get("hitCount", len(items))
    return ids, int(hits) if str(hits).isdigit() else len(items)


def linked(client: Client, pmid: str, kind: str, progress: Callable[[str], None] = lambda _: None) -> list[str]:
    """Every PMID in the article's `references` or `citations`, page by page (offset paging, 1-based)."""
    out: list[str] = []
    for page in range(1, MAX_PAGES + 1):
        ids, hits = client.call(f"MED/{pmid}/{kind}", {"page": str(page), "pageSize": str(PAGE_SIZE), "format": "json"},
                                accept=lambda body: parse_page(body, kind))
        out += [i for i in ids if i not in out]
        if page * PAGE_SIZE >= hits or not ids:
            break
        progress(f"Europe PMC {kind}: page {page + 1}")
    return out
