"""A polite HTTP client for E-utilities (and Europe PMC): one request at a time, never faster than allowed.

Why our own loop rather than urllib3's `Retry`: the answer must also be *checked* (NCBI says HTTP 200 with
an `<ERROR>` inside, or cuts a body short) before it counts as success and goes into the cache, and the
clock and sleep must be injectable so that rate limits and back-off are tested without waiting.
The API key travels only in the request itself: it is kept out of the cache key, the cache, log lines
and error messages (every message passes through `redact`).
A wait is never silent: `pause` is told why before each back-off, and `watch` wraps every request so a
slow answer can be reported while it is awaited (see progress.WaitReport).
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

import requests

from ..files import atomic_write
from .pubmed import BadResponse

T = TypeVar("T")

DEFAULT_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
DEFAULT_EUROPEPMC_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest/"
TOOL = "reviewsite"
POST_ABOVE = 1000  # characters of query string: longer ID lists go in a POST body (NCBI's advice)
MAX_BODY = 64 * 1024 * 1024
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class FetchFailed(Exception):
    """A request that did not give a usable answer after every retry; the message is already redacted."""


def check_base_url(url: str, what: str) -> str:
    """An https URL (http only on this machine, so a key never crosses a network in clear), ending in '/'."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise ValueError(f"{what} must be an http(s) URL without user name (got {url!r})")
    if parts.scheme == "http" and host not in _LOOPBACK:
        raise ValueError(f"{what} must use https (plain http is allowed only for 127.0.0.1/localhost)")
    if parts.query or parts.fragment:
        raise ValueError(f"{what} must not carry a query or fragment")
    return url if url.endswith("/") else url + "/"


@dataclass
class RetryPolicy:
    """Exponential back-off with jitter; `Retry-After` honoured but never longer than `retry_after_cap`."""

    tries: int = 5
    base: float = 0.5
    cap: float = 30.0
    retry_after_cap: float = 60.0

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None) -> float:
        backoff = min(self.cap, self.base * 2**attempt)
        backoff *= 0.5 + rng.random() / 2  # jitter: many clients that failed together do not retry together
        if retry_after is not None:
            return min(self.retry_after_cap, max(retry_after, backoff))
        return backoff


@dataclass
class Timeouts:
    connect: float = 10.0
    read: float = 60.0
    total: float = 180.0  # the read timeout is per socket read; this bounds the whole download


class RateLimiter:
    """At most `per_second` request starts in any second (spaced evenly, a hair wider than 1/rate)."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / per_second * 1.02
        self.clock = clock
        self.sleep = sleep
        self._next: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


class ResponseCache:
    """Answers already checked, one file per request (sha256 of method, URL and sorted parameters).

    It lets an interrupted run resume without asking again. Entries older than `max_age` seconds are
    ignored, so a later run sees PubMed's new links. The API key is never part of the key or the file.
    """

    def __init__(self, folder: Path, max_age: float, now: Callable[[], float] = time.time):
        self.folder = folder
        self.max_age = max_age
        self.now = now

    @staticmethod
    def key(method: str, url: str, params: Mapping[str, str]) -> str:
        items = sorted((k, v) for k, v in params.items() if k != "api_key")
        return hashlib.sha256(f"{method} {url}?{urlencode(items)}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.body"

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            if self.now() - path.stat().st_mtime > self.max_age:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def put(self, key: str, body: bytes) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self._path(key), body)
        except OSError:
            pass  # a cache that cannot be written only costs a repeated request next time

    def drop(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def prune(self) -> int:
        """Delete entries too old to be used (and leftovers of interrupted writes); returns how many."""
        removed = 0
        if not self.folder.is_dir():
            return removed
        for path in self.folder.iterdir():
            if not (path.name.endswith(".body") or path.name.endswith(".tmp")):
                continue  # only what this cache wrote
            try:
                if self.now() - path.stat().st_mtime > self.max_age:
                    path.unlink()
                    removed += 1
            except OSError:
                pass
        return removed


class _RedactFilter(logging.Filter):
    """urllib3 logs request lines (with the query string) at DEBUG: keys are masked there too."""

    keys: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for key in self.keys:
            message = message.replace(key, "***")
        record.msg, record.args = message, ()
        return True


_URLLIB3_FILTER = _RedactFilter()
logging.getLogger("urllib3.connectionpool").addFilter(_URLLIB3_FILTER)


@dataclass
class Client:
    """GET or POST to one service; answers checked by `accept` before they count (and are cached)."""

    base_url: str
    identity: dict[str, str] = field(default_factory=dict)  # tool/email: sent on every request
    api_key: str | None = None
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(3))
    cache: ResponseCache | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeouts: Timeouts = field(default_factory=Timeouts)
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    session: requests.Session = field(default_factory=requests.Session)
    requests_made: Counter = field(default_factory=Counter)  # per endpoint, network only (not cache hits)
    cache_hits: int = 0
    pause: Callable[[float, str], None] | None = None  # sleeps before a retry, told why; None: `sleep`
    watch: Callable[[str], AbstractContextManager[None]] | None = None  # around each request (slow-answer notices)

    def __post_init__(self) -> None:
        self.session.headers["User-Agent"] = f"{TOOL} (+{self.identity.get('email', 'no e-mail')})"
        if self.api_key:
            _URLLIB3_FILTER.keys.update({self.api_key, quote(self.api_key, safe="")})

    def redact(self, text: str) -> str:
        if self.api_key:
            for form in {self.api_key, quote(self.api_key, safe=""), quote(self.api_key)}:
                text = text.replace(form, "***")
        return text

    def call(self, endpoint: str, params: Mapping[str, str], accept: Callable[[bytes], T], *,
             force_post: bool = False) -> T:
        """The checked answer to one request; FetchFailed when every try failed or the answer is unusable."""
        url = self.base_url + endpoint
        sent = {**params, **self.identity}
        method = "POST" if force_post or len(urlencode(sent)) > POST_ABOVE else "GET"
        key = ResponseCache.key(method, url, sent)
        if self.cache is not None:
            cached = self.cache.get(key)
            if cached is not None:
                try:
                    value = accept(cached)
                except BadResponse:
                    self.cache.drop(key)
                else:
                    self.cache_hits += 1
                    return value
        if self.api_key:
            sent["api_key"] = self.api_key
        last = "no attempt made"
        for attempt in range(self.policy.tries):
            retry_after: float | None = None
            self.limiter.wait()
            self.requests_made[endpoint] += 1
            try:
                with self.watch(endpoint) if self.watch else contextlib.nullcontext():
                    status, headers, body = self._send(method, url, sent)
            except (requests.Timeout, _Deadline):
                last, retryable = "timed out", True
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                last, retryable = f"connection broken ({type(exc).__name__})", True
            except _TooBig:
                raise FetchFailed(f"answer larger than {MAX_BODY // 2**20} MB: refused") from None
            except requests.RequestException as exc:
                raise FetchFailed(self.redact(f"request failed: {exc}")) from None
            else:
                if status == 200:
                    try:
                        value = accept(body)
                    except BadResponse as exc:
                        last, retryable = exc.message, exc.retryable
                    else:
                        if self.cache is not None:
                            self.cache.put(key, body)
                        return value
                elif status == 429 or 500 <= status <= 599:
                    last, retryable = f"HTTP {status}{_snippet(body)}", True
                    retry_after = _retry_after(headers.get("Retry-After"))
                elif 300 <= status <= 399:
                    where = headers.get("Location", "?")
                    last, retryable = f"HTTP {status} redirect to {where} (not followed: set the base URL to it)", False
                else:
                    last, retryable = f"HTTP {status}{_snippet(body)}", False
            if not retryable or attempt == self.policy.tries - 1:
                break
            self._wait(self.policy.delay(attempt, self.rng, retry_after), endpoint, last, attempt, retry_after)
        tries = attempt + 1
        suffix = f" (after {tries} tries)" if tries > 1 else ""
        raise FetchFailed(self.redact(f"{last}{suffix}"))

    def _wait(self, delay: float, endpoint: str, last: str, attempt: int, retry_after: float | None) -> None:
        if self.pause is None:
            self.sleep(delay)
            return
        asked = f" (the server asked for {retry_after:.0f} s)" if retry_after is not None else ""
        self.pause(delay, self.redact(f"{endpoint}: {last}; try {attempt + 2} of {self.policy.tries} next{asked}"))

    def _send(self, method: str, url: str, params: Mapping[str, str]) -> tuple[int, Mapping[str, str], bytes]:
        deadline = self.clock() + self.timeouts.total
        kwargs: dict[str, Any] = {"data": dict(params)} if method == "POST" else {"params": dict(params)}
        with self.session.request(method, url, timeout=(self.timeouts.connect, self.timeouts.read),
                                  allow_redirects=False, stream=True, **kwargs) as resp:
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_content(64 * 1024):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY:
                    raise _TooBig
                if self.clock() > deadline:
                    raise _Deadline
            return resp.status_code, resp.headers, b"".join(chunks)


class _Deadline(Exception):
    pass


class _TooBig(Exception):
    pass


def _snippet(body: bytes) -> str:
    text = " ".join(body[:200].decode("utf-8", "replace").split())
    return f": {text[:120]}" if text else ""


def _retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: a number of seconds or an HTTP date (past dates give 0)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())
