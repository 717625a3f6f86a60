"""`reviewsite serve` regenerates pages when content changes and serves them over HTTP: the edited page,
the pages that cite what was edited, listings and new pages, as the engine rebuilds only what changed."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - 127.0.0.1 only
            return response.read().decode("utf-8")
    except OSError:
        return None


class Output:
    """Everything a process prints, read on a thread so tests can wait for a line instead of sleeping."""

    def __init__(self, proc: subprocess.Popen[str]):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line)

    def has(self, text: str) -> bool:
        return any(text in line for line in self.lines)


def start_serve(project: Path, port: int) -> tuple[subprocess.Popen[str], Output]:
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "reviewsite"), "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    return proc, Output(proc)


def test_serve_on_invalid_content_says_what_to_fix(project):
    path = project / "content" / "mechanisms" / "limited-persistence.yaml"
    path.write_text(path.read_text().replace("category: t-cell-dysfunction", "category: broken"))
    proc, output = start_serve(project, free_port())
    assert proc.wait(timeout=60) == 1
    assert wait_for(lambda: output.has("fix the problems above, then run it again"))
    assert output.has("content/mechanisms/limited-persistence.yaml:4:11: category 'broken' is not defined")
    assert not output.has("keeping the last good pages")


def test_serve_regenerates_on_change(project):
    port = free_port()
    proc, output = start_serve(project, port)
    try:
        url = f"http://127.0.0.1:{port}/fixture/mechanisms/limited-persistence/"  # site_url has a path
        assert wait_for(lambda: "CAR T cells may disappear early" in (fetch(url) or ""))
        path = project / "content" / "mechanisms" / "limited-persistence.yaml"
        path.write_text(path.read_text().replace("may disappear early", "vanish within weeks"))
        generated = project / "build" / "docs" / "mechanisms" / "limited-persistence.md"
        assert wait_for(lambda: "vanish within weeks" in generated.read_text())
        assert wait_for(lambda: "vanish within weeks" in (fetch(url) or ""))
        path.write_text(path.read_text().replace("category: t-cell-dysfunction", "category: broken"))
        assert wait_for(lambda: output.has("keeping the last good pages"))
        assert "vanish within weeks" in generated.read_text()  # last good pages stay
        assert "vanish within weeks" in (fetch(url) or "")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_serve_updates_the_pages_an_edit_touches_and_new_pages(project):
    """A paper's new title reaches its page, the mechanism page citing it and the literature; a new paper
    file gets a page; broken then fixed content updates again. No sleeps: every step waits on what it needs."""
    port = free_port()
    proc, output = start_serve(project, port)
    base = f"http://127.0.0.1:{port}/fixture/"
    try:
        assert wait_for(lambda: "Convergence of Acquired" in (fetch(base + "papers/26516065/") or ""))
        paper = project / "content" / "papers" / "26516065.yaml"
        paper.write_text(paper.read_text().replace("Convergence of Acquired", "Convergence of Newly Acquired"))
        for url in ("papers/26516065/", "mechanisms/cd19-genetic-loss/", "literature/"):
            assert wait_for(lambda url=url: "Convergence of Newly Acquired" in (fetch(base + url) or "")), url
        new = project / "content" / "papers" / "30000001.yaml"
        new.write_text(paper.read_text().replace('pmid: "26516065"', 'pmid: "30000001"')
                       .replace("10.1158/2159-8290.CD-15-1020", "10.5555/preview.1")
                       .replace("Convergence of Newly Acquired", "A paper added while serving"))
        assert wait_for(lambda: "A paper added while serving" in (fetch(base + "papers/30000001/") or ""))
        assert wait_for(lambda: "papers/30000001/" in (fetch(base + "literature/") or ""))
        mechanism = project / "content" / "mechanisms" / "cd19-genetic-loss.yaml"
        good = mechanism.read_text()
        mechanism.write_text(good.replace("[@pmid:26516065]", "[@pmid:30000001]").replace("category: antigen-escape",
                                                                                          "category: broken"))
        assert wait_for(lambda: output.has("keeping the last good pages"))
        mechanism.write_text(good.replace("[@pmid:26516065]", "[@pmid:30000001]"))
        assert wait_for(lambda: "A paper added while serving" in (fetch(base + "mechanisms/cd19-genetic-loss/") or ""))
        assert wait_for(lambda: "cd19-genetic-loss" in (fetch(base + "papers/30000001/") or ""))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
