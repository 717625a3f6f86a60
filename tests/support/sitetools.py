"""Helpers for the tests that build whole sites and look at them: projects, builds, a server, a browser.

- `make_project` copies a fixture's content next to the repository's *real* `mkdocs.yml` (theme
  features, palette, plugins as published) and templates.
- `build` runs the real CLI in a subprocess, as CI does.
- `SiteServer` serves `site/` on 127.0.0.1 under the published base path, like GitHub Pages
  (directory redirects, 404.html for anything missing), from a thread.
- `Watcher` records what a page does in Chromium: console errors, uncaught exceptions, dialogs, and
  every request to another origin (which it aborts, so no test ever reaches the network).
"""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
TOOLS = ROOT / "tools" / "node_modules"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
REVIEWSITE = Path(sys.executable).parent / "reviewsite"


def make_project(dest: Path, content: Path = FIXTURES / "minimal" / "content") -> Path:
    """A project folder: `content` copied in, next to the repository's real mkdocs.yml and templates."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(content, dest / "content")
    shutil.copytree(ROOT / "templates", dest / "templates")
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    return dest


def build(project: Path, *args: str, env: dict[str, str] | None = None,
          timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`reviewsite build` in a subprocess (exactly what CI runs)."""
    run_env = dict(os.environ if env is None else env)
    run_env.setdefault("NO_MKDOCS_2_WARNING", "1")
    return subprocess.run([str(REVIEWSITE), "--project", str(project), "build", *args], cwd=project,
                          env=run_env, capture_output=True, text=True, timeout=timeout, check=False)


def tree_digest(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under `root` (empty dict when it does not exist)."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def base_path(project: Path) -> str:
    """The URL path the site is published under, from `site_url` (GitHub Pages project sites have one)."""
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    path = urlsplit(str(config.get("site_url") or "/")).path or "/"
    return path if path.endswith("/") else path + "/"


class _Handler(http.server.SimpleHTTPRequestHandler):
    site_dir: Path
    prefix: str

    def translate_path(self, path: str) -> str:
        url_path = urlsplit(path).path
        if not url_path.startswith(self.prefix) and url_path + "/" != self.prefix:
            return str(self.site_dir / "\0missing")
        return super().translate_path("/" + url_path[len(self.prefix):])

    def send_error(self, code, message=None, explain=None):  # noqa: ANN001 - stdlib signature
        page = self.site_dir / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002, ANN001 - stdlib signature
        pass


class SiteServer:
    """`site_dir` on http://127.0.0.1:<free port><prefix>, from a daemon thread."""

    def __init__(self, site_dir: Path, prefix: str = "/"):
        handler = type("Handler", (_Handler,), {"site_dir": site_dir, "prefix": prefix})

        def factory(*args, **kwargs):
            return handler(*args, directory=str(site_dir), **kwargs)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), factory)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = self.origin + prefix
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="site-server", daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@dataclass
class Watcher:
    """Everything a page did that a test may want to forbid."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def attach(self, context) -> None:  # noqa: ANN001 - a playwright BrowserContext
        def route(r) -> None:  # noqa: ANN001
            self.foreign_requests.append(r.request.url)
            r.abort()

        # Only URLs off our origin are intercepted (the driver matches the pattern; our own requests never
        # wait for Python), and they are recorded and aborted.
        context.route(re.compile(rf"^(?!{re.escape(self.origin)}/)"), route)
        context.on("page", self.watch_page)
        for page in context.pages:
            self.watch_page(page)

    def watch_page(self, page) -> None:  # noqa: ANN001 - a playwright Page
        def on_console(msg) -> None:  # noqa: ANN001
            if msg.type == "error":
                self.console_errors.append(f"{page.url}: {msg.text}")

        def on_dialog(dialog) -> None:  # noqa: ANN001
            self.dialogs.append(f"{page.url}: {dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_response(resp) -> None:  # noqa: ANN001
            if resp.status >= 400 and resp.url.startswith(self.origin):
                self.failed.append(f"{resp.status} {resp.url} (from {page.url})")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))
        page.on("dialog", on_dialog)
        page.on("response", on_response)
        page.on("popup", self.watch_page)

    def problems(self, *, allow_404: bool = False) -> list[str]:
        found = [f"console error: {m}" for m in self.console_errors if not (allow_404 and "404" in m)]
        found += [f"uncaught exception: {m}" for m in self.page_errors]
        found += [f"request to another origin: {u}" for u in self.foreign_requests]
        found += [f"dialog opened: {d}" for d in self.dialogs]
        found += [f"HTTP error: {f}" for f in self.failed if not allow_404]
        return found


def launch_chromium(playwright):  # noqa: ANN001, ANN201 - playwright objects
    """Debian's Chromium, never a downloaded browser; Playwright gives it a fresh temporary profile."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact, summary: n.failureSummary})),
  }));
}"""


def axe_violations(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:  # noqa: ANN001
    """axe-core's violations of the given impacts on the loaded page (axe injected from tools/)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return [v for v in page.evaluate(AXE_RUN) if v["impact"] in impacts]
