"""Update the parts of a content file that fetch owns (`record:`, `relations:`) and not one byte more.

Text-level on purpose: a YAML round trip (even ruamel's) re-indents, re-quotes and re-wraps what people
wrote. Here the file is parsed only to find *where* the blocks are; the new text is spliced in, and
everything outside the two blocks (curation, every comment, blank lines, line endings) stays as it was.
Inside `record:`, fields whose value did not change keep their exact text; a changed field is written
afresh, and its comments are kept (above the field, or at the end of its first line).
Relations only grow: missing ones are inserted into the existing list, none is ever removed.
A key inside `record:` that the model does not know (a curator's note) is never dropped: the file is
refused with the key's position instead. `record.fetched` moves only when the record's content does.
The result is parsed again and checked before anyone writes it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml
from pydantic import ValidationError

from ..model import Record
from ..safeyaml import Located, YamlError, loads
from ..schema import schema_line

RELATION_ORDER = ("reference", "similar", "cites-review")
_NOT_PRINTABLE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_INDENT = "  "


class MergeError(Exception):
    """The file cannot be updated safely; `line`/`col` point at the reason (1-based)."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


@dataclass
class Update:
    text: str
    fields: list[str] = field(default_factory=list)  # record fields rewritten
    relations: list[str] = field(default_factory=list)  # relations added

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.relations)


# ------------------------------------------------------------------------------------------ writing


def quote(value: str) -> str:
    """A YAML double-quoted scalar: always quoted, so `012345`, `no` or `2019-01` stay strings."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif _NOT_PRINTABLE.match(ch):
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def field_lines(name: str, value: object) -> list[str]:
    """One record field as lines, in the house style (block lists, every string quoted)."""
    if isinstance(value, str):
        return [f"{_INDENT}{name}: {quote(value)}"]
    items = list(value)  # type: ignore[call-overload]
    if not items:
        return [f"{_INDENT}{name}: []"]
    lines = [f"{_INDENT}{name}:"]
    for item in items:
        if isinstance(item, str):
            lines.append(f"{_INDENT * 2}- {quote(item)}")
            continue
        pairs = [(k, v) for k, v in item.model_dump().items() if v is not None]
        if not pairs:
            lines.append(f"{_INDENT * 2}- {{}}")
        for j, (key, val) in enumerate(pairs):
            lead = f"{_INDENT * 2}- " if j == 0 else _INDENT * 3
            lines.append(f"{lead}{key}: {quote(val)}")
    return lines


def record_fields(record: Record) -> list[tuple[str, list[str]]]:
    """The fields fetch writes, in model order; empty lists left out (but `authors: []` kept)."""
    out = []
    for name in Record.model_fields:
        value = getattr(record, name)
        if value is None or (value == [] and name != "authors"):
            continue
        out.append((name, field_lines(name, value)))
    return out


def dump_record(record: Record, newline: str = "\n") -> str:
    return "".join(line + newline for _, lines in record_fields(record) for line in lines)


def relation_list(relations: Iterable[str]) -> str:
    return "[" + ", ".join(relations) + "]"


def ordered_relations(relations: Iterable[str]) -> list[str]:
    wanted = set(relations)
    return [r for r in RELATION_ORDER if r in wanted]


def new_paper(record: Record, relations: Iterable[str], added: str) -> str:
    """A new paper file: schema line, record, relations, and a curation block holding only the date."""
    return (
        f"{schema_line('paper', 1)}\nrecord:\n{dump_record(record)}"
        f"relations: {relation_list(ordered_relations(relations))}\ncuration:\n  added: {quote(added)}\n"
    )


# ------------------------------------------------------------------------------------------ reading


class _Text:
    """Line arithmetic over the file text."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(self, index: int) -> int:
        return bisect_right(self.starts, index) - 1

    def line_start(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def line_end(self, line: int) -> int:
        """Index just after the line's newline (or the end of the text)."""
        return self.line_start(line + 1)

    def line(self, line: int) -> str:
        return self.text[self.line_start(line) : self.line_end(line)].rstrip("\r\n")


def _nodes(node: yaml.Node) -> Iterable[yaml.Node]:
    yield node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _nodes(key)
            yield from _nodes(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _nodes(item)


def _last_line(node: yaml.Node) -> int:
    """The last line holding content of `node` (block collections end where the next token starts)."""
    last = node
    while isinstance(last, (yaml.MappingNode, yaml.SequenceNode)) and not last.flow_style and last.value:
        last = last.value[-1][1] if isinstance(last, yaml.MappingNode) else last.value[-1]
    mark = last.end_mark
    return mark.line - 1 if mark.column == 0 and mark.line > last.start_mark.line else mark.line


def _inside_scalars(node: yaml.Node) -> set[int]:
    """Lines that are the inside of a multi-line scalar: a '#' there is text, not a comment."""
    lines: set[int] = set()
    for n in _nodes(node):
        if isinstance(n, yaml.ScalarNode) and n.end_mark.line > n.start_mark.line:
            lines.update(range(n.start_mark.line + 1, _last_line(n) + 1))
    return lines


def _trailing_comments(txt: _Text, node: yaml.Node) -> dict[int, str]:
    """Line -> its end-of-line comment (with the spaces before it), found after the end of each node."""
    out: dict[int, str] = {}
    for n in _nodes(node):
        end = n.end_mark.index
        line = txt.line_of(end)
        rest = txt.text[end : txt.line_end(line)].rstrip("\r\n")
        lead = re.match(r"[\s,\]\}:]*", rest)
        assert lead is not None
        tail = rest[lead.end() :]
        if tail.startswith("#") and lead.end() > 0 and rest[lead.end() - 1] in " \t":
            spaces = re.search(r"[ \t]*$", rest[: lead.end()])
            out.setdefault(line, (spaces.group() if spaces else " ") + tail)
    return out


@dataclass
class _Chunk:
    """The lines of one field of the old record, with the comment lines above it."""

    name: str
    text: str
    comments: list[str]  # whole-line comments to keep when the field is rewritten
    trailing: str | None  # end-of-line comment of the key line


def _chunks(txt: _Text, mapping: yaml.MappingNode, first_line: int) -> list[_Chunk]:
    inside = _inside_scalars(mapping)
    trailing = _trailing_comments(txt, mapping)
    chunks: list[_Chunk] = []
    start = first_line
    for key, value in mapping.value:
        key_line = key.start_mark.line
        end = max(_last_line(value), key_line)
        comments: list[str] = []
        key_comment = None
        for n in range(start, end + 1):
            raw = txt.line(n)
            if n in inside:
                continue
            if raw.lstrip().startswith("#"):
                comments.append(raw)
            elif n in trailing:
                if n == key_line:
                    key_comment = trailing[n]
                else:
                    comments.append(trailing[n])
        comments = [_INDENT + c.lstrip() for c in comments]  # kept above the field, at its indentation
        chunks.append(_Chunk(str(key.value), txt.text[txt.line_start(start) : txt.line_end(end)], comments,
                             key_comment))
        start = end + 1
    return chunks


def _old_record(data: object) -> Record | None:
    try:
        return Record.model_validate(data)
    except ValidationError:
        return None


def _merged_order(old: list[str], new: list[str]) -> list[str]:
    """Old fields in their old order; new ones placed after their nearest predecessor in model order."""
    order = [name for name in old if name in new]
    model = list(Record.model_fields)
    for name in new:
        if name in order:
            continue
        before = [n for n in model[: model.index(name)] if n in order]
        at = max((order.index(n) for n in before), default=-1) + 1
        order.insert(at, name)
    return order


def _record_block(txt: _Text, value: yaml.MappingNode, old: Record | None, new: Record,
                  newline: str) -> tuple[int, int, str, list[str]]:
    """(start, end, replacement, changed field names) for a block-style `record:` mapping."""
    first_line = value.start_mark.line
    # Comment lines between `record:` and its first field belong to the first field's chunk.
    key_line = first_line
    while key_line > 0 and txt.line(key_line - 1).lstrip().startswith("#"):
        key_line -= 1
    chunks = {c.name: c for c in _chunks(txt, value, key_line)}
    ordered = [c.name for c in chunks.values()]
    fresh = dict(record_fields(new))
    # A field written differently but equal in value (`mesh: []` where we would omit it) stays as written.
    kept = [n for n in ordered if n not in fresh and n in Record.model_fields and old is not None
            and getattr(old, n) == getattr(new, n)]
    changed: list[str] = []
    parts: list[str] = []
    for name in _merged_order(ordered, list(fresh) + kept):
        chunk = chunks.get(name)
        same = old is not None and chunk is not None and getattr(old, name, None) == getattr(new, name)
        if same and chunk is not None:
            parts.append(chunk.text)
            continue
        changed.append(name)
        lines = list(fresh[name])
        if chunk is not None:
            if chunk.trailing:
                lines[0] += chunk.trailing
            lines = chunk.comments + lines
        parts.append("".join(line + newline for line in lines))
    for name, chunk in chunks.items():
        if name not in fresh and name not in kept:
            changed.append(name)  # a removed field's comments stay, where the field ends up: at the end
            lines = chunk.comments + ([_INDENT + chunk.trailing.lstrip()] if chunk.trailing else [])
            parts.append("".join(line + newline for line in lines))
    start = txt.line_start(key_line)
    end = txt.line_end(max(_last_line(value), first_line))
    return start, end, "".join(parts), changed


def _fix_last_newline(replacement: str, original_end: str, newline: str) -> str:
    """A block that ended the file without a newline keeps ending without one."""
    if original_end and not original_end.endswith("\n"):
        return replacement[: -len(newline)] if replacement.endswith(newline) else replacement
    return replacement


def _refuse_unknown_keys(located: Located, raw: object) -> None:
    """A key the record model does not know would vanish when the record is rewritten: refuse instead."""
    if not isinstance(raw, dict):
        return
    try:
        Record.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            if err["type"] == "extra_forbidden":
                loc = ("record", *err["loc"])
                line, col = located.find(loc, key=True)
                raise MergeError(line, col, f"unknown field {err['loc'][-1]!r} inside record:, which fetch owns "
                                 "and rewrites: move it to curation: (e.g. curation.notes) or delete it") from None


def _same_content(old: Record | None, new: Record) -> bool:
    """Equal apart from `fetched` (the date of the last change is not part of the content)."""
    return old is not None and old.model_copy(update={"fetched": None}) == new.model_copy(update={"fetched": None})


def update(text: str, record: Record | None, relations: Iterable[str] = (), *, today: str | None = None) -> Update:
    """The file text with `record:` set to `record` (None: leave it) and `relations` added to its list.

    `record.fetched` becomes `today` when the record's content changes, and stays as it was otherwise."""
    try:
        located = loads(text.encode("utf-8"))
    except YamlError as exc:
        raise MergeError(exc.line, exc.col, exc.message) from None
    txt = _Text(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    top = {str(k.value): (k, v) for k, v in located.node.value}
    if "record" not in top:
        raise MergeError(1, 1, "no top-level 'record:' block to update")
    rkey, rvalue = top["record"]
    data = located.data if isinstance(located.data, dict) else {}
    edits: list[tuple[int, int, str]] = []
    result = Update(text)

    empty = isinstance(rvalue, yaml.ScalarNode) and rvalue.value == "" and rvalue.style is None
    record_end = txt.line_end(rkey.start_mark.line if empty else max(_last_line(rvalue), rkey.start_mark.line))
    if record is not None:
        old = _old_record(data.get("record"))
        if _same_content(old, record):
            record = None  # nothing new: not one byte of the record moves, its date included
        else:
            _refuse_unknown_keys(located, data.get("record"))
            record = record.model_copy(update={"fetched": today or (old.fetched if old else None)})
    if record is not None:
        old = _old_record(data.get("record"))
        if old != record:
            if isinstance(rvalue, yaml.MappingNode) and not rvalue.flow_style and rvalue.value \
                    and rvalue.start_mark.line > rkey.start_mark.line:
                start, end, block, result.fields = _record_block(txt, rvalue, old, record, newline)
                edits.append((start, end, _fix_last_newline(block, txt.text[start:end], newline)))
            elif empty:
                at = txt.line_end(rkey.start_mark.line)  # `record:` with nothing: fill in below the key
                prefix = "" if txt.text[:at].endswith("\n") else newline
                edits.append((at, at, prefix + dump_record(record, newline)))
                result.fields = [name for name, _ in record_fields(record)]
            else:  # an inline value (`record: {title: x}`): becomes a block
                block = dump_record(record, newline)
                colon = txt.text.index(":", rkey.end_mark.index) + 1
                edits.append((colon, rvalue.end_mark.index, newline + block[: -len(newline)]))
                result.fields = [name for name, _ in record_fields(record)]

    wanted = ordered_relations(relations)
    if wanted:
        edit, result.relations = _relations_edit(txt, top.get("relations"), data.get("relations"), wanted,
                                                 record_end, newline)
        if edit is not None:
            edits.append(edit)

    result.fields = [name for name in result.fields if name != "fetched"]  # bookkeeping, not news
    if not edits:
        return result
    new_text = text
    # From the end backwards, so earlier positions stay valid; at one position the later edit goes first.
    for _, (start, end, replacement) in sorted(enumerate(edits), key=lambda e: (e[1][0], e[1][1], e[0]),
                                               reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    _verify(located, new_text, record, data.get("relations"), result.relations)
    result.text = new_text
    return result


def _relations_edit(txt: _Text, entry: tuple[yaml.Node, yaml.Node] | None, current: object, wanted: list[str],
                    record_end: int, newline: str) -> tuple[tuple[int, int, str] | None, list[str]]:
    have = [str(r) for r in current] if isinstance(current, list) else []
    missing = [r for r in wanted if r not in have]
    if not missing:
        return None, []
    if entry is None:
        return (record_end, record_end, f"relations: {relation_list(missing)}{newline}"), missing
    key, value = entry
    if isinstance(value, yaml.SequenceNode) and value.flow_style:
        inside = txt.text[value.start_mark.index + 1 : value.end_mark.index - 1].rstrip()  # between [ and ]
        at = value.start_mark.index + 1 + len(inside)
        sep = "" if inside.strip() == "" else " " if inside.endswith(",") else ", "
        return (at, at, sep + ", ".join(missing)), missing
    if isinstance(value, yaml.SequenceNode) and value.value:
        last = value.value[-1]
        first_line = txt.line(value.value[0].start_mark.line)
        lead = re.match(r"[ ]*- +", first_line)
        prefix = lead.group() if lead else "  - "
        at = txt.line_end(_last_line(last))
        pre = "" if txt.text[:at].endswith("\n") else newline
        return (at, at, pre + "".join(f"{prefix}{r}{newline}" for r in missing)), missing
    if isinstance(value, yaml.ScalarNode) and value.value == "" and value.style is None:
        colon = txt.text.index(":", key.end_mark.index)
        return (colon + 1, colon + 1, f" {relation_list(missing)}"), missing
    line, col = value.start_mark.line + 1, value.start_mark.column + 1
    raise MergeError(line, col, "relations: expected a list; not updated")


def _verify(before: Located, new_text: str, record: Record | None, old_relations: object, added: list[str]) -> None:
    """Parse the result again: the record is exactly the new one, relations only grew, the rest is equal."""
    try:
        after = loads(new_text.encode("utf-8"))
    except YamlError as exc:
        raise MergeError(exc.line, exc.col, f"update would break the file ({exc.message}); left untouched") from None
    old, new = before.data, after.data
    if record is not None and _old_record(new.get("record")) != record:
        raise MergeError(1, 1, "update did not reproduce the fetched record; left untouched")
    missing = object()
    have = list(old_relations) if isinstance(old_relations, list) else []
    expected = have + added if added else old.get("relations", missing)
    if new.get("relations", missing) != expected:
        raise MergeError(1, 1, "update would change existing relations; left untouched")
    for key in set(old) | set(new):
        if key not in ("record", "relations") and old.get(key) != new.get(key):
            raise MergeError(1, 1, f"update would change {key!r}; left untouched")
