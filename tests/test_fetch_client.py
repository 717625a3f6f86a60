"""The polite client: rate limit (injected clock), retries and back-off, timeouts, cache, key redaction.

Every request goes to a server on 127.0.0.1 (tests/test_fetch_fakes.py); nothing waits for real except
the timeout tests, which use a 0.2 s read timeout.
"""

from __future__ import annotations

import logging
import random

import pytest

from reviewsite.fetch.client import (
    Client,
    FetchFailed,
    RateLimiter,
    ResponseCache,
    RetryPolicy,
    Timeouts,
    _retry_after,
    check_base_url,
)
from reviewsite.fetch.pubmed import parse_efetch
from test_fetch_fakes import FakeEutils, Fault, fixture, recorded_articles

KEY = "SECRETkey0123456789abcdef"


class FakeTime:
    """A clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []
        self.backoffs: list[float] = []

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def backoff(self, seconds: float) -> None:
        """The client's own sleeps (between tries), kept apart from the rate limiter's."""
        self.backoffs.append(seconds)
        self.t += seconds


@pytest.fixture
def server():
    fake = FakeEutils().start()
    fake.articles = recorded_articles()
    yield fake
    fake.stop()


def make(server, *, key=None, cache=None, ft=None, timeouts=None, tries=5):
    ft = ft or FakeTime()
    client = Client(
        server.base, identity={"tool": "reviewsite", "email": "t@example.org"}, api_key=key,
        limiter=RateLimiter(10 if key else 3, ft.clock, ft.sleep), cache=cache, policy=RetryPolicy(tries=tries),
        timeouts=timeouts or Timeouts(connect=2, read=5, total=10), rng=random.Random(1), sleep=ft.backoff,
    )
    return client, ft


def efetch(client, ids=("9997",)):
    return client.call("efetch.fcgi", {"db": "pubmed", "retmode": "xml", "id": ",".join(ids)}, accept=parse_efetch)


# --- rate limit ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rate", "per_second"), [(3, 3), (10, 10)])
def test_rate_limiter_never_exceeds_the_rate(rate, per_second):
    ft = FakeTime()
    limiter = RateLimiter(rate, ft.clock, ft.sleep)
    starts = []
    for _ in range(40):
        limiter.wait()
        starts.append(ft.t)
    for i, start in enumerate(starts):
        assert sum(1 for s in starts[i:] if s < start + 1.0) <= per_second
    assert starts[-1] - starts[0] < 40 / rate * 1.05  # and not much slower either


def test_client_requests_are_spaced_and_carry_tool_email(server):
    client, ft = make(server)
    for _ in range(4):
        client.call("efetch.fcgi", {"db": "pubmed", "retmode": "xml", "id": "9997"}, accept=parse_efetch)
    assert server.count() == 4
    assert ft.t - 1000.0 >= 3 / 3  # three gaps of at least 1/3 s
    for seen in server.seen:
        assert seen.params["tool"] == "reviewsite" and seen.params["email"] == "t@example.org"
        assert "api_key" not in seen.params


def test_api_key_raises_the_rate_and_travels_only_on_the_wire(server):
    client, ft = make(server, key=KEY)
    assert client.limiter.interval < 0.11
    efetch(client)
    assert server.seen[0].params["api_key"] == KEY


def test_long_id_lists_are_posted_short_ones_are_not(server):
    client, _ = make(server)
    efetch(client, [str(i) for i in range(1000, 1200)])
    efetch(client, ["9997", "12091962"])
    assert [s.method for s in server.seen] == ["POST", "GET"]
    assert server.seen[0].params["id"].count(",") == 199


# --- retries ---------------------------------------------------------------------------------------------


def test_429_retry_after_is_honoured(server):
    server.faults = [Fault("efetch.fcgi", "status", 429, {"Retry-After": "2"})]
    client, ft = make(server)
    assert "9997" in efetch(client).records
    assert server.count() == 2
    assert ft.backoffs == [2.0]


def test_retry_after_is_capped(server):
    server.faults = [Fault("efetch.fcgi", "status", 503, {"Retry-After": "3600"})]
    client, ft = make(server)
    efetch(client)
    assert ft.backoffs == [60.0]


def test_retry_after_forms():
    assert _retry_after("5") == 5.0
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: no wait
    assert _retry_after("soon") is None and _retry_after(None) is None


def test_500_is_retried_with_growing_jittered_backoff(server):
    server.faults = [Fault("efetch.fcgi", "status", 500, times=3)]
    client, ft = make(server)
    efetch(client)
    assert server.count() == 4
    assert len(ft.backoffs) == 3
    for attempt, delay in enumerate(ft.backoffs):
        assert 0.5 * 0.5 * 2**attempt <= delay <= 0.5 * 2**attempt


def test_gives_up_after_the_last_try(server):
    server.faults = [Fault("efetch.fcgi", "status", 502, body=b"<html>Bad gateway</html>", times=99)]
    client, _ = make(server, tries=4)
    with pytest.raises(FetchFailed, match=r"HTTP 502: <html>Bad gateway</html> \(after 4 tries\)"):
        efetch(client)
    assert server.count() == 4


@pytest.mark.parametrize("status", [400, 403, 404, 414])
def test_other_4xx_are_not_retried(server, status):
    server.faults = [Fault("efetch.fcgi", "status", status, body=b"nope", times=9)]
    client, _ = make(server)
    with pytest.raises(FetchFailed, match=f"HTTP {status}: nope$"):
        efetch(client)
    assert server.count() == 1


def test_timeout_is_retried(server):
    server.faults = [Fault("efetch.fcgi", "hang", seconds=0.6)]
    client, _ = make(server, timeouts=Timeouts(connect=1, read=0.2, total=5))
    assert "9997" in efetch(client).records
    assert server.count() == 2


@pytest.mark.parametrize("kind", ["truncate", "drop"])
def test_broken_transfers_are_retried(server, kind):
    server.faults = [Fault("efetch.fcgi", kind, times=2)]
    client, _ = make(server)
    assert "9997" in efetch(client).records
    assert server.count() == 3


def test_truncated_xml_with_a_correct_length_is_retried(server):
    server.faults = [Fault("efetch.fcgi", "body", body=fixture("pubmed1.xml")[:5000])]
    client, _ = make(server)
    assert "9997" in efetch(client).records
    assert server.count() == 2


def test_http_200_with_error_is_retried_then_reported(server):
    server.faults = [Fault("efetch.fcgi", "body", body=fixture("esummary8.xml"))]
    client, _ = make(server)
    assert "9997" in efetch(client).records
    server.faults = [Fault("efetch.fcgi", "body", body=fixture("SYNTHETIC-efetch-error.xml"), times=99)]
    with pytest.raises(FetchFailed, match=r"NCBI error: Unable to obtain query #1 \(after 5 tries\)"):
        efetch(client, ["1", "2"])


def test_html_answer_is_not_retried(server):
    server.faults = [Fault("efetch.fcgi", "body", body=fixture("pubmed3.html"), times=9)]
    client, _ = make(server)
    with pytest.raises(FetchFailed, match="HTML page"):
        efetch(client)
    assert server.count() == 1


def test_redirects_are_not_followed(server):
    server.faults = [Fault("efetch.fcgi", "status", 301, {"Location": "https://elsewhere.example/"}, times=9)]
    client, _ = make(server, key=KEY)
    with pytest.raises(FetchFailed, match="redirect to https://elsewhere.example/"):
        efetch(client)
    assert server.count() == 1


# --- cache -----------------------------------------------------------------------------------------------


def test_cache_answers_repeats_and_never_holds_the_key(server, tmp_path):
    now = [5000.0]
    cache = ResponseCache(tmp_path / "cache", max_age=3600, now=lambda: now[0])
    client, _ = make(server, key=KEY, cache=cache)
    first = efetch(client, ["9997", "12091962"])
    again = efetch(client, ["9997", "12091962"])
    assert first == again and server.count() == 1 and client.cache_hits == 1
    other, _ = make(server, key="ANOTHERkey987654321", cache=cache)  # the key is not part of the cache key
    efetch(other, ["9997", "12091962"])
    assert server.count() == 1
    files = list((tmp_path / "cache").iterdir())
    assert len(files) == 1 and all(KEY.encode() not in f.read_bytes() and KEY not in f.name for f in files)
    now[0] += 3601  # too old: asked again
    import os

    os.utime(files[0], (5000.0, 5000.0))
    efetch(client, ["9997", "12091962"])
    assert server.count() == 2


def test_failed_or_unusable_answers_are_not_cached(server, tmp_path):
    cache = ResponseCache(tmp_path / "cache", max_age=3600)
    client, _ = make(server, cache=cache, tries=1)
    server.faults = [Fault("efetch.fcgi", "body", body=fixture("esummary8.xml"))]
    with pytest.raises(FetchFailed):
        efetch(client)
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
    key = ResponseCache.key("GET", server.base + "efetch.fcgi",
                            {"db": "pubmed", "retmode": "xml", "id": "9997", "tool": "reviewsite",
                             "email": "t@example.org"})
    cache.put(key, b"<PubmedArticleSet><broken")  # a damaged cache entry is dropped and asked again
    assert "9997" in efetch(client).records
    assert server.count() == 2


# --- the key never shows --------------------------------------------------------------------------------


def test_key_is_redacted_from_errors_and_logs(server, caplog):
    echo = b'{"error":"API rate limit exceeded","api-key":"' + KEY.encode() + b'","count":"26","limit":"10"}'
    server.faults = [Fault("efetch.fcgi", "status", 429, body=echo, times=99)]
    client, _ = make(server, key=KEY, tries=2)
    with caplog.at_level(logging.DEBUG), pytest.raises(FetchFailed) as err:
        efetch(client)
    assert KEY not in str(err.value) and "***" in str(err.value)
    assert KEY not in caplog.text
    dead, _ = make(server, key=KEY, tries=1)
    dead.base_url = "http://127.0.0.1:9/eutils/"  # nothing listens: connection refused
    with caplog.at_level(logging.DEBUG), pytest.raises(FetchFailed) as err:
        efetch(dead)
    assert KEY not in str(err.value) and KEY not in caplog.text


def test_base_urls():
    assert check_base_url("https://eutils.ncbi.nlm.nih.gov/entrez/eutils", "x").endswith("/eutils/")
    assert check_base_url("http://127.0.0.1:8080/e/", "x") == "http://127.0.0.1:8080/e/"
    for bad in ("http://eutils.example.org/", "ftp://x/", "https://user:pw@x/", "https://x/?a=1", "eutils"):
        with pytest.raises(ValueError, match="x must"):
            check_base_url(bad, "x")


def test_cache_prunes_only_its_own_expired_entries(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    for name in ("old.body", ".x.body.tmp", "new.body", "notes.txt"):
        (folder / name).write_bytes(b"x")
    import os

    os.utime(folder / "old.body", (100.0, 100.0))
    os.utime(folder / ".x.body.tmp", (100.0, 100.0))
    os.utime(folder / "notes.txt", (100.0, 100.0))
    cache = ResponseCache(folder, max_age=3600, now=lambda: 100.0 + 3601)
    os.utime(folder / "new.body", (100.0 + 3000, 100.0 + 3000))
    assert cache.prune() == 2
    assert sorted(p.name for p in folder.iterdir()) == ["new.body", "notes.txt"]


# --- issue 11: a wait is never silent -------------------------------------------------------------------


def test_every_back_off_is_announced_with_its_reason_and_no_key(server):
    echo = b'{"error":"API rate limit exceeded","api-key":"' + KEY.encode() + b'"}'
    server.faults = [Fault("efetch.fcgi", "status", 429, {"Retry-After": "30"}, body=echo),
                     Fault("efetch.fcgi", "status", 503)]
    client, ft = make(server, key=KEY)
    said: list[tuple[float, str]] = []
    client.pause = lambda seconds, why: (said.append((seconds, why)), ft.backoff(seconds))
    efetch(client)
    assert [s for s, _ in said][0] == 30.0 and len(said) == 2
    assert said[0][1].startswith('efetch.fcgi: HTTP 429: {"error":"API rate limit exceeded","api-key":"***"}; '
                                 "try 2 of 5 next (the server asked for 30 s)")
    assert said[1][1] == "efetch.fcgi: HTTP 503: " + '{"error":"API rate limit exceeded"}; try 3 of 5 next'
    assert all(KEY not in why for _, why in said)


def test_every_request_is_watched(server):
    watched: list[str] = []

    class Watch:
        def __init__(self, what: str):
            watched.append(what)

        def __enter__(self):
            return None

        def __exit__(self, *exc):
            return False

    client, _ = make(server)
    client.watch = Watch
    server.faults = [Fault("efetch.fcgi", "drop")]
    efetch(client)
    assert watched == ["efetch.fcgi", "efetch.fcgi"]
