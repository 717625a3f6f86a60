"""Post-build invariants over a whole built site: what must hold whatever the content says.

    check_site(site_dir)                 -> list[Problem]   (links, anchors, scripts, URLs, handlers)
    check_site(site_dir, vnu_jar=path)   -> the same plus the W3C Nu HTML checker's errors

Every page is parsed with an HTML parser (never a regex: `&lt;img onerror=` in text is not a handler):

- every internal link (`href`/`src` of the pages, the URL of every search result in Pagefind's
  fragments, `<loc>` of the sitemap) reaches a file of the site, and its `#fragment` an `id` on the
  target page;
- the search bundle (`pagefind/`) holds only the files the search script loads (search.bundle_file);
- no attribute that browsers treat as a URL uses a scheme other than https or mailto (relative URLs
  are internal links), so no `javascript:`, `vbscript:` or `data:` URL, however it is encoded;
- no `on*` event-handler attribute, and no `iframe`/`object`/`embed`/`base`/`frame`, no meta refresh,
  no form that submits anywhere;
- the only scripts are the theme's and ours: `src` scripts from the site's own assets (top-level
  `assets/*.js`, copied from templates/assets; Pagefind's script is never a `<script src>`: ours imports
  it when a reader opens search), the theme's
  JSON configuration block, and inline scripts that are exactly those in the installed theme's
  templates (read from Material's own `partials/javascripts/*.html`, so a theme upgrade needs no edit).

Run it on a built site with `python -m reviewsite.invariants site [--vnu path/to/vnu.jar]`.
It reads files only; it never imports MkDocs.
"""

from __future__ import annotations

import gzip
import html
import importlib.util
import json
import posixpath
import re
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import search
from .engines import Engine, get_engine
from .errors import Problem

# Attributes a browser dereferences or navigates to (HTML, SVG, MathML), and SVG animation values
# that can set one of them (`<set attributeName="href" to="javascript:…">`).
URL_ATTRS = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "cite", "longdesc", "data",
     "ping", "manifest", "codebase", "icon", "lowsrc", "dynsrc", "srcset", "imagesrcset", "to", "from", "values"}
)
SAFE_SCHEMES = frozenset({"https", "mailto"})
FORBIDDEN_TAGS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"})
# Scripts loaded by `src`: the theme's bundle and our own top-level assets (templates/assets/*.js).
ALLOWED_SCRIPT_PATHS = (
    re.compile(r"assets/javascripts/bundle\.[0-9a-f]{8}\.min\.js"),
    re.compile(r"assets/[a-z0-9][a-z0-9_.-]*\.js"),
)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_PAGEFIND_SIGNATURE = b"pagefind_dcd"
# Browsers drop ASCII tab/newline anywhere in a URL and leading/trailing C0 controls and spaces.
_URL_NOISE = re.compile("[\t\n\r]")


@dataclass
class _Link:
    attr: str
    value: str
    line: int
    col: int
    tag: str


@dataclass
class _Page:
    rel: str  # path inside the site, posix
    ids: set[str] = field(default_factory=set)
    links: list[_Link] = field(default_factory=list)


class _Scanner(HTMLParser):
    """Collects ids and links of one page and reports handlers, dangerous URLs, tags and scripts."""

    def __init__(self, page: _Page, report, inline_ok, resolve):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.resolve = resolve
        self.report = report
        self.inline_ok = inline_ok
        self._script: tuple[dict[str, str | None], int, int] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, closed=True)

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], *, closed: bool) -> None:
        line, col = self.getpos()
        col += 1
        amap: dict[str, str | None] = {}
        for name, value in attrs:
            amap.setdefault(name, value)
            if name.startswith("on"):
                self.report(line, col, f"<{tag}> has an event-handler attribute {name}={value!r}")
            if name in URL_ATTRS and value is not None:
                self._url(tag, name, value, line, col)
            if name == "id" and value:
                self.page.ids.add(value)
            if name == "name" and tag == "a" and value:
                self.page.ids.add(value)
        if tag in FORBIDDEN_TAGS:
            self.report(line, col, f"<{tag}> element is not allowed")
        if tag == "meta" and (amap.get("http-equiv") or "").lower() == "refresh":
            self.report(line, col, "<meta http-equiv=refresh> is not allowed")
        if tag == "form" and (amap.get("action") or amap.get("target")):
            self.report(line, col, "<form> with an action or target is not allowed")
        if tag == "script":
            self._script = (amap, line, col)
            self._script_text = []
            if closed:
                self._end_script()

    def _url(self, tag: str, name: str, value: str, line: int, col: int) -> None:
        candidates = [value]
        if name in ("srcset", "imagesrcset"):
            candidates = [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
        elif name == "values":
            candidates = [part for part in value.split(";")]
        elif name in ("to", "from") and tag not in ("set", "animate", "animatetransform", "animatemotion"):
            return
        for raw in candidates:
            url = _URL_NOISE.sub("", raw).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11"
                                                "\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
            scheme = _SCHEME.match(url)
            if scheme:
                if scheme.group(1).lower() not in SAFE_SCHEMES:
                    self.report(line, col, f"<{tag} {name}> uses a {scheme.group(1).lower()}: URL ({_short(raw)})")
                continue
            if url.startswith(("//", "\\\\", "/\\", "\\/")):
                self.report(line, col, f"<{tag} {name}> is protocol-relative ({_short(raw)})")
                continue
            if name in ("href", "src", "action", "formaction", "xlink:href") and tag not in ("set", "animate"):
                self.page.links.append(_Link(name, url, line, col, tag))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self._end_script()

    def _end_script(self) -> None:
        assert self._script is not None
        amap, line, col = self._script
        text = "".join(self._script_text)
        self._script, self._script_text = None, []
        src = amap.get("src")
        kind = (amap.get("type") or "").strip().lower()
        if src is not None:
            if text.strip():
                self.report(line, col, "<script src> must not also carry inline code")
            target = self.resolve(self.page.rel, src)
            if target is None or not any(p.fullmatch(target) for p in ALLOWED_SCRIPT_PATHS):
                self.report(line, col, f"<script src={src!r}> is neither the theme's bundle nor one of our assets")
            return
        if kind == "application/json" and amap.get("id") == "__config":
            try:
                json.loads(text)
            except ValueError:
                self.report(line, col, "the theme's <script id=__config> is not valid JSON")
            return
        if kind not in ("", "text/javascript") or not self.inline_ok(text):
            self.report(line, col, f"inline <script> that is not one of the theme's: {_short(text)}")


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


@lru_cache(maxsize=4)
def theme_inline_scripts(theme: str = "material") -> tuple[re.Pattern[str], ...]:
    """Inline scripts the installed theme package may emit, as patterns (its Jinja expressions become `[^"<]*`)."""
    spec = importlib.util.find_spec(theme)
    if spec is None or not spec.submodule_search_locations:
        return ()
    folder = Path(next(iter(spec.submodule_search_locations))) / "templates" / "partials" / "javascripts"
    patterns = []
    for path in sorted(folder.glob("*.html")):
        for body in re.findall(r"<script>(.*?)</script>", path.read_text(encoding="utf-8"), flags=re.S):
            pieces = re.split(r"\{\{.*?\}\}", body)
            patterns.append(re.compile('[^"<>]*'.join(re.escape(p) for p in pieces)))
    return tuple(patterns)


def _inline_checker(theme: str):
    def inline_ok(text: str) -> bool:
        body = text.strip()
        return any(p.fullmatch(body) for p in theme_inline_scripts(theme))

    return inline_ok


def _resolve(page_rel: str, url: str) -> str | None:
    """Site-relative path (no leading slash) a relative URL on `page_rel` points to; None if it leaves the site."""
    path = urlsplit(url).path
    if path.startswith("/"):
        return None
    base = posixpath.dirname(page_rel)
    joined = posixpath.normpath(posixpath.join(base, unquote(path))) if path else page_rel
    if joined == ".":
        return ""
    if joined.startswith("../") or joined == "..":
        return None
    return joined + ("/" if path.endswith("/") and not joined.endswith("/") else "")


def _site_base_path(site_dir: Path) -> str:
    """URL path the site is published under (from the sitemap's shortest <loc>), e.g. '/my-review/'."""
    sitemap = site_dir / "sitemap.xml"
    if sitemap.is_file():
        locs = re.findall(r"<loc>([^<]+)</loc>", sitemap.read_text(encoding="utf-8", errors="replace"))
        if locs:
            path = urlsplit(html.unescape(min(locs, key=len))).path or "/"
            return path if path.endswith("/") else path + "/"
    return "/"


class _Site:
    def __init__(self, site_dir: Path):
        self.dir = site_dir
        self.base = _site_base_path(site_dir)
        self.pages: dict[str, _Page] = {}

    def resolve(self, page_rel: str, url: str) -> str | None:
        """Site-relative path of a relative or site-absolute URL on `page_rel`; None if it leaves the site."""
        path = urlsplit(url).path
        if not path.startswith("/"):
            return _resolve(page_rel, url)
        if not path.startswith(self.base):
            return None
        target = posixpath.normpath(unquote(path[len(self.base):]))
        if target.startswith(".."):
            return None
        return "" if target == "." else target + ("/" if path.endswith("/") else "")

    def target_file(self, target: str) -> str | None:
        """The file (site-relative) a site-relative URL path serves, as a static host would."""
        if target in ("", "."):
            target = "index.html"
        elif target.endswith("/"):
            target += "index.html"
        path = self.dir / target
        if path.is_file():
            return target
        if path.is_dir() and (path / "index.html").is_file():
            return posixpath.join(target, "index.html")
        return None


def check_links(site: _Site, name: str) -> list[Problem]:
    problems = []
    for rel, page in sorted(site.pages.items()):
        for link in page.links:
            parts = urlsplit(link.value)
            if not parts.path and not parts.fragment:
                continue  # "" or "?q": the page itself
            target = site.resolve(rel, link.value)
            if target is None:
                problems.append(Problem(f"{name}/{rel}", link.line, link.col,
                                        f"<{link.tag} {link.attr}={link.value!r}> leaves the site ({site.base})"))
                continue
            problems += _check_target(site, name, rel, link.line, link.col, f"<{link.tag} {link.attr}={link.value!r}>",
                                      target, unquote(parts.fragment))
    return problems


def _check_target(site: _Site, name: str, rel: str, line: int, col: int, what: str, target: str,
                  fragment: str) -> list[Problem]:
    found = site.target_file(target)
    if found is None:
        return [Problem(f"{name}/{rel}", line, col, f"{what}: no such file in the site ({target or '/'})")]
    if fragment and found.endswith(".html"):
        page = site.pages.get(found)
        if page is None or fragment not in page.ids:
            return [Problem(f"{name}/{rel}", line, col, f"{what}: no element with id {fragment!r} in {found}")]
    return []


def _fragment(path: Path) -> dict:
    """A Pagefind fragment: gzip of b"pagefind_dcd" followed by the page's JSON record."""
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(_PAGEFIND_SIGNATURE):
        raise ValueError("no pagefind_dcd signature")
    record = json.loads(data[len(_PAGEFIND_SIGNATURE):])
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    return record


def _check_search_bundle(site: _Site, name: str) -> list[Problem]:
    """Pagefind's bundle holds only what the search script loads, and every result links to a page of the site.

    Result URLs are paths from the site's root as Pagefind writes them (`/papers/1/`); the search script
    puts them under the site's base path."""
    bundle = site.dir / search.BUNDLE
    if not bundle.is_dir():
        return []
    problems = []
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        rel = path.relative_to(bundle).as_posix()
        where = f"{name}/{search.BUNDLE}/{rel}"
        if not search.bundle_file(rel):
            problems.append(Problem(where, 1, 1, "not a file of the search bundle (only Pagefind's index and script)"))
            continue
        if not rel.startswith("fragment/"):
            continue
        try:
            url = str(_fragment(path).get("url", ""))
        except (OSError, ValueError, EOFError) as exc:
            problems.append(Problem(where, 1, 1, f"unreadable search fragment: {exc}"))
            continue
        page, _, fragment = url.partition("#")
        if _SCHEME.match(page) or not page.startswith("/"):
            problems.append(Problem(where, 1, 1, f"search result URL {url!r} is not a path from the site's root"))
            continue
        target = posixpath.normpath(unquote(page)).lstrip("/")
        if target.startswith(".."):
            problems.append(Problem(where, 1, 1, f"search result URL {url!r} leaves the site"))
            continue
        target += "/" if target and page.endswith("/") else ""
        problems += _check_target(site, name, f"{search.BUNDLE}/{rel}", 1, 1, f"search result URL {url!r}", target,
                                  unquote(fragment))
    entry = bundle / "pagefind-entry.json"
    try:
        languages = json.loads(entry.read_text(encoding="utf-8"))["languages"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [*problems, Problem(f"{name}/{search.BUNDLE}/pagefind-entry.json", 1, 1, f"unreadable: {exc}")]
    for language in languages.values():
        for needed in (f"pagefind.{language.get('hash')}.pf_meta", f"wasm.{language.get('wasm')}.pagefind"):
            if not (bundle / needed).is_file():
                problems.append(Problem(f"{name}/{search.BUNDLE}/pagefind-entry.json", 1, 1, f"{needed} is missing"))
    return problems


def _check_sitemap(site: _Site, name: str) -> list[Problem]:
    path = site.dir / "sitemap.xml"
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    problems = []
    for match in re.finditer(r"<loc>([^<]+)</loc>", text):
        line = text.count("\n", 0, match.start()) + 1
        url_path = urlsplit(html.unescape(match.group(1))).path
        if not url_path.startswith(site.base):
            problems.append(Problem(f"{name}/sitemap.xml", line, 1, f"{match.group(1)!r} is outside {site.base}"))
            continue
        problems += _check_target(site, name, "sitemap.xml", line, 1, repr(match.group(1)),
                                  unquote(url_path[len(site.base):]), "")
    return problems


def scan_html(site_dir: Path, engine: Engine | None = None) -> list[Problem]:
    """Structure, URL, handler and script invariants, and every internal link and anchor."""
    engine = engine or get_engine("mkdocs")
    inline_ok = _inline_checker(engine.theme_package)
    site_dir = Path(site_dir)
    name = site_dir.name
    site = _Site(site_dir)
    problems: list[Problem] = []
    for path in sorted(site_dir.rglob("*.html")):
        rel = path.relative_to(site_dir).as_posix()
        page = _Page(rel)
        site.pages[rel] = page

        def report(line: int, col: int, message: str, rel: str = rel) -> None:
            problems.append(Problem(f"{name}/{rel}", line, col, message))

        scanner = _Scanner(page, report, inline_ok, site.resolve)
        try:
            scanner.feed(path.read_text(encoding="utf-8"))
            scanner.close()
        except UnicodeDecodeError as exc:
            report(1, 1, f"not UTF-8: {exc.reason}")
    problems += check_links(site, name)
    problems += _check_search_bundle(site, name)
    problems += _check_sitemap(site, name)
    return problems


# The Nu checker's errors that come from the theme's own markup, one line each with the reason.
# An entry is (message prefix, text that must appear in vnu's "extract" of the offending markup);
# both must match, so the same error in our templates is still reported.
VNU_IGNORE: tuple[tuple[str, str], ...] = (
    # Material's drawer/search toggles are `<input class="md-toggle" type="checkbox" autocomplete="off">`:
    # autocomplete=off stops Firefox restoring a stale open/closed state; harmless, but invalid on a checkbox.
    ("Attribute “autocomplete” is only allowed when the input type is", 'class="md-toggle"'),
    # Material's table-of-contents title is `<label for="__toc">`; the `__toc` checkbox is rendered only in the
    # navigation entry of the current page, and our mechanism/strategy/paper pages are deliberately not in the nav.
    ("The value of the “for” attribute of the “label” element must be the ID of a non-hidden form control",
     'for="__toc"'),
)


def validate_html(site_dir: Path, vnu_jar: Path, *, java: str = "java", timeout: float = 300) -> list[Problem]:
    """Every HTML page through the W3C Nu HTML checker (errors only), minus the theme noise in VNU_IGNORE."""
    site_dir = Path(site_dir).resolve()
    args = [java, "-Xss8m", "-jar", str(vnu_jar), "--format", "json", "--errors-only", "--skip-non-html", str(site_dir)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    try:
        messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}').get("messages", [])
    except ValueError:
        return [Problem(site_dir.name, 1, 1, f"vnu failed (exit {proc.returncode}): {proc.stderr[-500:]}")]
    problems = []
    for msg in messages:
        if msg.get("type") != "error" and msg.get("subType") != "fatal":
            continue
        text = str(msg.get("message", ""))
        extract = str(msg.get("extract", ""))
        if any(text.startswith(prefix) and needle in extract for prefix, needle in VNU_IGNORE):
            continue
        url = str(msg.get("url", ""))
        file = Path(unquote(urlsplit(url).path)) if url.startswith("file:") else site_dir
        try:
            rel = f"{site_dir.name}/{file.resolve().relative_to(site_dir).as_posix()}"
        except ValueError:
            rel = str(file)
        line = int(msg.get("lastLine") or msg.get("firstLine") or 1)
        col = int(msg.get("firstColumn") or msg.get("lastColumn") or 1)
        problems.append(Problem(rel, line, col, f"HTML: {text}"))
    return problems


def check_site(site_dir: Path | str, *, vnu_jar: Path | str | None = None, java: str = "java",
               engine: Engine | None = None) -> list[Problem]:
    """All invariants over a built site; with `vnu_jar`, HTML validity too. Sorted, de-duplicated problems."""
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        return [Problem(site_dir.name, 1, 1, "not a built site: no index.html")]
    problems = scan_html(site_dir, engine)
    if vnu_jar is not None:
        problems += validate_html(site_dir, Path(vnu_jar), java=java)
    return sorted(set(problems))


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m reviewsite.invariants", description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default="site")
    parser.add_argument("--vnu", default=None, help="path to vnu.jar (the Nu HTML checker); needs Java")
    parser.add_argument("--engine", default="mkdocs", help="the engine that built the site")
    args = parser.parse_args(argv)
    problems = check_site(Path(args.site), vnu_jar=args.vnu, engine=get_engine(args.engine))
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} invariant problem(s)", file=sys.stderr)
    return 4 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
