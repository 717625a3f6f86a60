"""GitHub annotations: content cannot forge workflow commands (`::error`, `::warning`, `::stop-commands`, ...).

The Actions runner reads a step's stdout AND stderr line by line and treats every line that starts
(after leading blanks) with `::` as a workflow command. Only the CLI's own annotations may do that:
one `::error file=…,line=…,col=…::message` line per problem, on stdout, whose properties and message
decode back to exactly the problem (ESC dropped). Everything else it prints must stay on one line.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from reviewsite import cli, report
from reviewsite.errors import ExitCode, Problem

FORGERIES = [
    "%0A::error file=x::fake",
    "plain\n::error file=README.md,line=1::Forged",
    "cr\r::warning file=README.md::Forged",
    "crlf\r\n::add-mask::secret",
    "esc \x1b[2J\x1b[31m::error::red",
    "\n::stop-commands::pwned\n::error::after stop",
    "  \n   ::notice title=x::indented",
    "percent %25 %3A %2C %0D ::",
    "unicode \u2028 \u0085 ::error::not a line break for the runner",
]

PATHS = [
    "content/papers/12345.yaml",
    "content/papers/bad\n::error file=README.md,line=1::Fake.yaml",
    "content/a,line=99,col=1::x.yaml",
    "content/%0A::error::y.yaml",
    "content/esc\x1b[31m.yaml",
]


def _unescape_property(value: str) -> str:
    # Order matters: %25 last, so "%250A" stays "%0A" literally.
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, raw)
    return value


def _unescape_data(value: str) -> str:
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        value = value.replace(escaped, raw)
    return value


def parse_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """Parse one output line the way the runner does; None when it is not a command."""
    stripped = line.lstrip()
    if not stripped.startswith("::"):
        return None
    end = stripped.find("::", 2)
    if end < 0:
        return None
    head, data = stripped[2:end], stripped[end + 2:]
    name, _, props = head.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = _unescape_property(value)
    return name, properties, _unescape_data(data)


def output_lines(text: str) -> list[str]:
    # The runner splits on LF, CR and CRLF.
    return re.split(r"\r\n|\r|\n", text)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("message", FORGERIES)
def test_annotation_is_one_line_and_round_trips(path: str, message: str) -> None:
    problem = Problem(path, 7, 3, message)
    line = report.github_annotation(problem)
    assert len(output_lines(line)) == 1
    assert "\x1b" not in line
    parsed = parse_command(line)
    assert parsed is not None
    name, props, data = parsed
    assert name == "error"
    assert set(props) == {"file", "line", "col"}
    assert props["file"] == path.replace("\x1b", "")
    assert (props["line"], props["col"]) == ("7", "3")
    assert data == message.replace("\x1b", "")


def _commands(text: str) -> list[tuple[str, dict[str, str], str]]:
    return [cmd for cmd in map(parse_command, output_lines(text)) if cmd is not None]


@pytest.mark.parametrize("path", PATHS)
def test_print_problems_forges_nothing(monkeypatch, capsys, path: str) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    problems = [Problem(path, i + 1, 1, message) for i, message in enumerate(FORGERIES)]
    report.print_problems(problems)
    out, err = capsys.readouterr()
    assert _commands(err) == [], "stderr must carry no workflow command"
    commands = _commands(out)
    assert [(name, props["file"], props["line"], data) for name, props, data in commands] == [
        ("error", p.path.replace("\x1b", ""), str(p.line), p.message.replace("\x1b", "")) for p in problems
    ]
    assert "\x1b" not in out + err
    # The human-readable report keeps one line per problem, plus the count.
    assert len([ln for ln in output_lines(err) if ln]) == len(problems) + 1


def test_no_annotations_outside_actions(monkeypatch, capsys) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    report.print_problems([Problem(PATHS[1], 1, 1, FORGERIES[1])])
    out, err = capsys.readouterr()
    assert out == ""
    assert _commands(err) == []


@pytest.mark.skipif(sys.platform == "win32", reason="file names with newlines need a POSIX file system")
def test_check_on_hostile_content_forges_nothing(project: Path, monkeypatch, capsys) -> None:
    """End to end: a file name and values carrying commands, through `reviewsite check`."""
    papers = project / "content" / "papers"
    source = next(iter(sorted(papers.glob("*.yaml"))))
    (papers / "bad\n::error file=README.md,line=1::Fake.yaml").write_bytes(source.read_bytes())
    strategy = next(iter(sorted((project / "content" / "strategies").glob("*.yaml"))))
    text = strategy.read_text(encoding="utf-8")
    text = re.sub(
        r"^addresses:.*$",
        lambda _: 'addresses: ["x\\n::error file=README.md,line=1::Fake", "y\\r::stop-commands::t", "\\e[31mred"]',
        text,
        flags=re.M,
    )
    strategy.write_text(text, encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code = cli.main(["--project", str(project), "check"])
    out, err = capsys.readouterr()
    assert code == ExitCode.CONTENT
    assert _commands(err) == []
    commands = _commands(out)
    assert commands, "the problems must be annotated"
    for name, props, _data in commands:
        assert name == "error"
        assert props["file"].startswith("content/")
        assert props["file"] != "README.md"
