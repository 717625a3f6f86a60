"""Pictures drawn at build time as inline SVG: no script, no CDN, the same numbers also given as a table.

Every piece of text is XML-escaped here (`_t`); ids come from the caller's fixed prefix, never from content;
links are the relative URLs pages.py built. The SVG uses `currentColor` for text and lines so it follows
the light or dark theme, and carries `<title>`/`<desc>` referenced by `aria-labelledby`.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"


def _t(text: object) -> str:
    """Text or attribute value, escaped for XML/HTML (quotes included)."""
    return html.escape(str(text), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open_svg(ident: str, width: int, height: int, title: str, desc: str, *, role: str, css: str) -> list[str]:
    return [
        f'<svg xmlns="{SVG_NS}" class="{css}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="{role}" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" focusable="false">',
        f'<title id="{ident}-title">{_t(title)}</title>',
        f'<desc id="{ident}-desc">{_t(desc)}</desc>',
    ]


# ---------------------------------------------------------------- stacked bars: papers per year


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    color: str


@dataclass(frozen=True)
class Chart:
    svg: Markup
    head: list[str]
    rows: list[list[str]]
    note: str = ""


def _nice_step(top: int, ticks: int = 4) -> int:
    raw = max(1.0, top / ticks)
    magnitude = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        if mult * magnitude >= raw:
            return int(mult * magnitude)
    return int(10 * magnitude)


def _legend(used: list[Series], left: float, right: float) -> list[tuple[Series, float, float]]:
    """Swatch positions of a legend along the top, on as many rows as it needs (DejaVu Sans, the usual
    fallback, takes about 7.5 px a character at 11 px once hinted): a label never runs into the next swatch."""
    out: list[tuple[Series, float, float]] = []
    x, row = left, 0
    for s in used:
        span = 24 + len(s.label) * 7.6
        if x > left and x + span - 10 > right:
            x, row = left, row + 1
        out.append((s, x, 6 + 16 * row))
        x += span
    return out


def year_chart(
    items: list[tuple[int | None, str]],
    series: list[Series],
    *,
    ident: str,
    title: str,
    width: int = 640,
    height: int = 240,
) -> Chart | None:
    """Stacked bars of items per year, one colour per series; `items` are (year or None, series key)."""
    dated = [(y, k) for y, k in items if y is not None]
    if not dated:
        return None
    first, last = min(y for y, _ in dated), max(y for y, _ in dated)
    years = list(range(first, last + 1))
    counts = {y: {s.key: 0 for s in series} for y in years}
    for year, key in dated:
        if key in counts[year]:
            counts[year][key] += 1
    totals = {y: sum(counts[y].values()) for y in years}
    used = [s for s in series if any(counts[y][s.key] for y in years)]
    undated = len(items) - len(dated)

    top = max(totals.values()) or 1
    step = _nice_step(top)
    axis_top = step * math.ceil(top / step)
    left, right, lower = 34, 8, 26
    legend = _legend(used, left, width - right)
    upper = 28 + max((y for _, _, y in legend), default=6)
    plot_w, plot_h = width - left - right, height - upper - lower
    slot = plot_w / len(years)
    bar = max(2.0, min(36.0, slot * 0.72))
    label_every = max(1, math.ceil(len(years) / 12))

    summary = ", ".join(f"{s.label}: {sum(counts[y][s.key] for y in years)}" for s in used)
    desc = (f"Stacked bar chart of {len(dated)} papers by publication year, {first} to {last}, "
            f"coloured by relation to the review ({summary})."
            + (f" {undated} papers without a year are not shown." if undated else "")
            + " The same numbers are in the table below the chart.")
    out = _open_svg(ident, width, height, title, desc, role="img", css="rs-chart")

    out.append('<g class="rs-legend" font-size="11">')
    for s, lx, ly in legend:
        out.append(f'<rect x="{_num(lx)}" y="{_num(ly)}" width="10" height="10" fill="{s.color}"/>')
        out.append(f'<text x="{_num(lx + 14)}" y="{_num(ly + 9)}" fill="currentColor">{_t(s.label)}</text>')
    out.append("</g>")

    # Grid and y axis.
    out.append('<g class="rs-axis" font-size="10" fill="currentColor">')
    for value in range(0, axis_top + 1, step):
        y = upper + plot_h - plot_h * value / axis_top
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" stroke="currentColor" '
                   f'stroke-opacity="{0.5 if value == 0 else 0.15}"/>')
        out.append(f'<text x="{left - 5}" y="{_num(y + 3.5)}" text-anchor="end">{value}</text>')
    for i, year in enumerate(years):
        if i % label_every == 0 or year == last:
            cx = left + slot * i + slot / 2
            out.append(f'<text x="{_num(cx)}" y="{height - lower + 15}" text-anchor="middle">{year}</text>')
    out.append("</g>")

    # Bars: one segment per series, bottom up.
    out.append('<g class="rs-bars">')
    for i, year in enumerate(years):
        x0 = left + slot * i + (slot - bar) / 2
        base: float = upper + plot_h
        for s in used:
            n = counts[year][s.key]
            if not n:
                continue
            h = plot_h * n / axis_top
            base = base - h
            out.append(f'<rect class="rs-bar" x="{_num(x0)}" y="{_num(base)}" width="{_num(bar)}" height="{_num(h)}" '
                       f'fill="{s.color}"><title>{year}: {n} {_t(s.label.lower())}</title></rect>')
    out.append("</g></svg>")

    head = ["Year", *(s.label for s in used), "Total"]
    rows = [[str(y), *(str(counts[y][s.key]) for s in used), str(totals[y])] for y in years if totals[y]]
    note = f"{undated} papers have no publication year." if undated else ""
    return Chart(Markup("".join(out)), head, rows, note)


# ---------------------------------------------------------------- mechanism -> strategy diagram


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    url: str
    detail: str = ""


def _wrap(text: str, width: int, lines: int) -> list[str]:
    words, out, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if len(candidate) <= width or not line:
            line = candidate
        else:
            out.append(line)
            line = word
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return [o if len(o) <= width else o[: width - 1] + "…" for o in out]


def flow_diagram(
    left: list[Node],
    right: list[Node],
    edges: list[tuple[str, str]],
    *,
    ident: str,
    title: str,
    left_heading: str,
    right_heading: str,
    width: int = 720,
) -> Markup:
    """Two columns of linked boxes (left -> right) joined by curves; right nodes ordered to cut crossings."""
    index = {n.key: i for i, n in enumerate(left)}
    targets = {n.key for n in right}
    links = [(a, b) for a, b in edges if a in index and b in targets]
    by_right: dict[str, list[int]] = {}
    for a, b in links:
        by_right.setdefault(b, []).append(index[a])
    order = {n.key: i for i, n in enumerate(right)}
    right = sorted(right, key=lambda n: (sum(by_right.get(n.key, [len(left)])) / len(by_right.get(n.key, [1])),
                                         order[n.key]))

    # Boxes grow to three lines rather than cut a title short (a cut title is not the link's name, axe).
    line_count = max((len(_wrap(n.label, 34, 3)) for n in [*left, *right]), default=1)
    box_w, box_h, gap, top = 250, max(38, 14 * line_count + 10), 10, 30
    rows = max(len(left), len(right), 1)
    height = top + rows * (box_h + gap)
    xs = {"left": 0.5, "right": width - box_w - 0.5}

    def ys(count: int) -> list[float]:
        offset = (rows - count) * (box_h + gap) / 2
        return [top + offset + i * (box_h + gap) for i in range(count)]

    pos: dict[tuple[str, str], float] = {}
    pos.update({("left", n.key): y for n, y in zip(left, ys(len(left)), strict=True)})
    pos.update({("right", n.key): y for n, y in zip(right, ys(len(right)), strict=True)})

    n_links = len(links)
    desc = (f"Diagram: {len(left)} {left_heading.lower()} on the left, {len(right)} {right_heading.lower()} on the "
            f"right, and {n_links} lines showing which {right_heading.lower()} address which "
            f"{left_heading.lower()}. Each box links to its page. The same links are listed in the table below.")
    out = _open_svg(ident, width, height, title, desc, role="group", css="rs-diagram")
    out.append(f'<g font-size="12" font-weight="700" fill="currentColor" aria-hidden="true">'
               f'<text x="2" y="16">{_t(left_heading)}</text>'
               f'<text x="{width - 2}" y="16" text-anchor="end">{_t(right_heading)}</text></g>')
    out.append('<g class="rs-edges" fill="none" stroke="currentColor" stroke-opacity="0.35" aria-hidden="true">')
    for a, b in sorted(links, key=lambda e: (index[e[0]], e[1])):
        x1, y1 = xs["left"] + box_w, pos[("left", a)] + box_h / 2
        x2, y2 = xs["right"], pos[("right", b)] + box_h / 2
        mid = (x1 + x2) / 2
        out.append(f'<path d="M{_num(x1)} {_num(y1)}C{_num(mid)} {_num(y1)} {_num(mid)} {_num(y2)} '
                   f'{_num(x2)} {_num(y2)}"/>')
    out.append("</g>")
    for side, nodes in (("left", left), ("right", right)):
        for n in nodes:
            x, y = xs[side], pos[(side, n.key)]
            lines = _wrap(n.label, 34, 3)
            name = n.label + (f" ({n.detail})" if n.detail else "")
            out.append(f'<a class="rs-node rs-node--{side}" href="{_t(n.url)}" aria-label="{_t(name)}">'
                       f"<title>{_t(name)}</title>"
                       f'<rect x="{_num(x)}" y="{_num(y)}" width="{box_w}" height="{box_h}" rx="6" '
                       f'fill="none" stroke="currentColor"/>')
            first_y = y + box_h / 2 + 4 - 7 * (len(lines) - 1)
            out.append('<text font-size="12" fill="currentColor" aria-hidden="true">')
            for i, line in enumerate(lines):
                # A space between wrapped lines keeps the visible text equal to the link's name (axe).
                sep = " " if i < len(lines) - 1 else ""
                out.append(f'<tspan x="{_num(x + 8)}" y="{_num(first_y + i * 14)}">{_t(line)}{sep}</tspan>')
            out.append("</text></a>")
    out.append("</svg>")
    return Markup("".join(out))
