"""The one conftest: fixtures every test module may use (helpers live in tests/support/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.projects import copy_project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Tests talk to servers on 127.0.0.1 only: a proxy from the environment must not get in the way."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True, scope="session")
def _build_cache_home(tmp_path_factory: pytest.TempPathFactory):
    """Build caches go to a scratch folder, not the user's ~/.cache (subprocesses inherit it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REVIEWSITE_CACHE_HOME", str(tmp_path_factory.mktemp("reviewsite-cache")))
        yield


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the minimal fixture project."""
    return copy_project("minimal", tmp_path / "project")


# ---------------------------------------------------------------- built sites and a real browser
# Session-wide, so the browser, invariant and determinism tests build the fixture site once.


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal fixture's content built with the repository's real mkdocs.yml and templates."""
    from support.sitetools import build, make_project

    project = make_project(tmp_path_factory.mktemp("real-site") / "project")
    result = build(project)
    assert result.returncode == 0, f"fixture site did not build:\n{result.stdout}\n{result.stderr}"
    return project


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright, once per session; each test opens its own context."""
    from playwright.sync_api import sync_playwright

    from support.sitetools import CHROMIUM, launch_chromium

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `python3 scripts/dev.py test` (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def search_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The search site (tests/support/searchsite.py): real records plus many generated papers, built once."""
    from support.searchsite import search_site

    return search_site(tmp_path_factory.mktemp("search-site") / "project")


@pytest.fixture(scope="session")
def search_server(search_project: Path):
    from support.sitetools import SiteServer, base_path

    with SiteServer(search_project / "site", base_path(search_project)) as srv:
        yield srv


@pytest.fixture
def search_context(chromium, search_server):
    """A fresh browser context at 1280 px on the search site, watching for console errors and failed requests."""
    from support.sitetools import Watcher

    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="UTC")
    ctx.watcher = Watcher(search_server.origin)
    ctx.watcher.attach(ctx)
    yield ctx
    ctx.close()
