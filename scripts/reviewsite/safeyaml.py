"""Read untrusted YAML into plain strings, lists and dicts, keeping where each value came from.

PyYAML's safe loader still expands aliases, keeps the last of duplicate keys and applies YAML 1.1
typing (`no` -> False, `012345` -> 5349). So we look at the event stream first (no anchors, aliases,
tags, extra documents; bounded depth), then build values from the node tree ourselves: every scalar
stays a string, and pydantic decides its type against the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass
class YamlError(Exception):
    line: int
    col: int
    message: str


@dataclass
class Located:
    """A loaded document plus the node tree, to turn a field path into a line and column.

    The tree may be left out (`loads(..., keep_node=False)`) and is then rebuilt from the text on first
    use, e.g. to place an error: kept for every file, trees were two thirds of a loaded site's memory.
    """

    data: Any
    _node: yaml.Node | None = field(default=None, repr=False, compare=False)
    text: str = ""
    lines: dict[int, int] = field(default_factory=dict)

    @property
    def node(self) -> yaml.Node:
        if self._node is None:
            node = _compose(self.text)
            if node is None:  # pragma: no cover - loads() accepted this text, so it has a document
                raise YamlError(1, 1, "file is empty")
            self._node = node
        return self._node

    def find(self, loc: tuple[str | int, ...], *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value at `loc`, or of its key when `key` is set."""
        node: yaml.Node = self.node
        mark = node.start_mark
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == part:
                        mark = k.start_mark if key and part == loc[-1] else v.start_mark
                        node = v
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        return mark.line + 1, mark.column + 1

    def find_in_text(self, loc: tuple[str | int, ...], offset: int, needle: str = "") -> tuple[int, int]:
        """Line/column of character `offset` of the string at `loc`: exact for block scalars (`|`, `>`),
        the value's start otherwise (quoted scalars fold escapes, so offsets do not map back)."""
        line, col = self.find(loc)
        node = self._node_at(loc)
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
            line = line + 1 + node.value[:offset].count("\n")
            lines = self.text.splitlines()
            if needle and 0 < line <= len(lines) and needle in lines[line - 1]:
                return line, lines[line - 1].index(needle) + 1
            if 0 < line <= len(lines):
                text = lines[line - 1]
                return line, len(text) - len(text.lstrip(" ")) + 1
        return line, col

    def _node_at(self, loc: tuple[str | int, ...]) -> yaml.Node | None:
        node: yaml.Node | None = self.node
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                return None
        return node


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def decode(raw: bytes) -> str:
    """Strict UTF-8 (a BOM allowed), with the position of the first bad byte on failure."""
    if len(raw) > MAX_BYTES:
        raise YamlError(1, 1, f"file too large ({len(raw)} bytes; limit {MAX_BYTES})")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlError(1, 1, "files must be UTF-8 (this looks like UTF-16)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(line, col, "invalid UTF-8: files must be UTF-8 text") from None
    return text.removeprefix("\ufeff")


def _scan_text(text: str) -> None:
    tab = text.find("\t")
    if tab >= 0:
        line, col = _position(text, tab)
        raise YamlError(line, col, "tab character not allowed (indent with spaces)")
    bad = _BAD_CHAR.search(text)
    if bad:
        line, col = _position(text, bad.start())
        raise YamlError(line, col, f"invalid character U+{ord(bad.group()):04X} (control or bidi character)")


def _scan_events(text: str, loader: type = yaml.SafeLoader) -> None:
    depth = 0
    documents = 0
    for event in yaml.parse(text, Loader=loader):
        mark = event.start_mark
        where = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        if isinstance(event, yaml.AliasEvent):
            raise YamlError(*where, "anchors and aliases are not allowed (write the value out)")
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlError(*where, "exactly one YAML document expected (remove the extra '---')")
        if isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if event.anchor is not None:
                raise YamlError(*where, "anchors and aliases are not allowed (write the value out)")
            if event.tag is not None and not (isinstance(event, yaml.ScalarEvent) and event.tag == "!"):
                raise YamlError(*where, f"YAML tags are not allowed ({event.tag})")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlError(*where, f"nesting too deep (limit {MAX_DEPTH})")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _construct(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        # An empty plain scalar (`key:`) means "no value"; everything else stays text.
        if node.value == "" and node.style is None:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                mark = key_node.start_mark
                raise YamlError(mark.line + 1, mark.column + 1, "mapping keys must be plain strings")
            key = key_node.value
            if key == "<<":
                mark = key_node.start_mark
                raise YamlError(mark.line + 1, mark.column + 1, "merge keys ('<<') are not allowed")
            if key in seen:
                mark = key_node.start_mark
                first = seen[key].start_mark.line + 1
                raise YamlError(mark.line + 1, mark.column + 1, f"duplicate key {key!r} (first at line {first})")
            seen[key] = key_node
            result[key] = _construct(value_node)
        return result
    raise YamlError(1, 1, "unsupported YAML node")  # pragma: no cover - composer yields only the three


# libyaml, when PyYAML was built with it: the same events and node marks, about 10x faster (a
# 10,000-paper site spent minutes in the pure-Python parser; see bench/README.md).
_FAST_LOADER: type | None = getattr(yaml, "CSafeLoader", None)


def _plain_style_as_none(root: yaml.Node) -> None:
    """libyaml marks plain scalars with style '' where PyYAML uses None: make the trees identical."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if node.style == "":
                node.style = None
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)


def _compose(text: str) -> yaml.Node | None:
    """Check the event stream, then build the node tree. Valid files take the libyaml path when there
    is one; on any error the pure-Python parser runs again, so messages and positions never depend on
    how PyYAML was built."""
    if _FAST_LOADER is not None:
        try:
            _scan_events(text, _FAST_LOADER)
            node = yaml.compose(text, Loader=_FAST_LOADER)
        except (yaml.YAMLError, YamlError):
            pass
        else:
            if node is not None:
                _plain_style_as_none(node)
            return node
    _scan_events(text)
    return yaml.compose(text, Loader=yaml.SafeLoader)


# The parser's words, and what they usually mean to someone editing a content file.
_HINTS: tuple[tuple[str, str, bool], ...] = (
    # (start of the parser's problem, plain hint, place it where the context starts)
    ("expected <block end>", "this line is indented differently from the lines around it: keys at one level "
     "must line up, with spaces", False),
    ("could not find expected ':'", "a key here has no ':' after it, or a quote opened here is not closed", True),
    ("mapping values are not allowed here", "a ':' where a value was expected: put text that contains ': ' in "
     "quotes, or check the indent of this line", False),
    ("found unexpected end of stream", "the quote or bracket that opens here is never closed", True),
    ("expected ',' or ']'", "the list that opens here is missing a ',' or its closing ']'", True),
    ("expected ',' or '}'", "the mapping that opens here is missing a ',' or its closing '}'", True),
    ("did not find expected key", "this line is indented differently from the lines around it, or a quote "
     "above it is not closed", False),
    ("did not find expected '-' indicator", "a list item is indented differently from the items above it", False),
    ("found unknown escape character", "a backslash in double quotes: write \\\\ for a backslash, or use "
     "single quotes", False),
)


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> YamlError:
    """A parser error as a plain hint where the mistake most likely is, with the parser's words after it."""
    raw = exc.problem or exc.context or "invalid YAML"
    mark = exc.problem_mark or exc.context_mark
    hint = ""
    for start, plain, at_context in _HINTS:
        if raw.startswith(start):
            hint = plain
            if at_context and exc.context_mark is not None:
                mark = exc.context_mark
            break
    if exc.problem_mark is not None and exc.context_mark is not None and not text[exc.problem_mark.index:].strip():
        mark = exc.context_mark  # only found at the end of the file: an unclosed quote or bracket opens here
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    parser = f"{raw} ({exc.context})" if exc.context and exc.problem else raw
    message = f"YAML syntax error: {hint} [parser: {parser}]" if hint else f"YAML syntax error: {parser}"
    return YamlError(line, col, message)


def loads(raw: bytes, *, keep_node: bool = True) -> Located:
    """Parse one contributor file. Raises YamlError with a 1-based line and column.

    `keep_node=False` drops the node tree once the values are built (`Located.node` rebuilds it).
    """
    text = decode(raw)
    _scan_text(text)
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text) from None
    except yaml.YAMLError as exc:  # ReaderError and friends carry no mark
        position = getattr(exc, "position", 0) or 0
        line, col = _position(text, min(position, len(text)))
        raise YamlError(line, col, f"YAML error: {getattr(exc, 'reason', exc)}") from None
    if node is None:
        raise YamlError(1, 1, "file is empty")
    if not isinstance(node, yaml.MappingNode):
        raise YamlError(node.start_mark.line + 1, node.start_mark.column + 1, "top level must be a mapping")
    return Located(data=_construct(node), _node=node if keep_node else None, text=text)
