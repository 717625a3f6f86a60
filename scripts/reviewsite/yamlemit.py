"""A YAML emitter for front matter: nested mappings and lists of strings and numbers, nothing more.

Every string is written double-quoted on one line, with `"`, `\\`, control characters, line and paragraph
separators, NEL, BOM and non-characters escaped, so that any YAML 1.1 or 1.2 parser (PyYAML's, libyaml,
Zensical's) reads back exactly the value, and no line of the block can start with `---` or `...` and end
the front matter early. About 20x faster than PyYAML's representer, which was half of rendering a paper
page (one `citation_author` entry per author; bench/README.md).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

_ESCAPE = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]')
_NAMED = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_CONTAINERS = frozenset({dict, list, tuple})
_PLAIN_KEY = re.compile(r"[a-z_][a-z0-9_]*")
_RESERVED_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
"""Words a YAML 1.1 parser would read as booleans or null: never written as plain keys."""


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}"


def quote(text: str) -> str:
    """`text` as a double-quoted YAML scalar on one line."""
    if _ESCAPE.search(text) is None:
        return f'"{text}"'
    return '"' + _ESCAPE.sub(_escape, text) + '"'


def _scalar(value: Any) -> str:
    if type(value) is str:
        return quote(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    raise TypeError(f"front matter cannot hold a {type(value).__name__}")


@functools.lru_cache(maxsize=1024)
def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError("front matter keys must be strings")
    return key if _PLAIN_KEY.fullmatch(key) and key.lower() not in _RESERVED_WORDS else quote(key)


def _container(value: Any) -> bool:
    return type(value) in _CONTAINERS or isinstance(value, (Mapping, list, tuple))


def _inline(value: Any) -> str:
    """A scalar, or an empty mapping or list, on the line of its key or dash."""
    if type(value) is str:
        return quote(value)
    if _container(value):
        return "{}" if isinstance(value, Mapping) else "[]"
    return _scalar(value)


def _block(value: Mapping[str, Any] | Sequence[Any], indent: str, first: str, out: list[str]) -> None:
    """The lines of a non-empty mapping or list at `indent`; its first line starts with `first` instead
    (a list item's `- `, so a mapping in a list reads `- key: value`)."""
    lead = first
    if type(value) is dict or isinstance(value, Mapping):
        for key in sorted(value):
            item = value[key]
            head = f"{lead}{_key(key)}:"
            if type(item) is str:
                out.append(f"{head} {quote(item)}")
            elif _container(item) and item:
                out.append(head)
                inner = indent if type(item) in (list, tuple) else indent + "  "  # lists under a key: indentless
                _block(item, inner, inner, out)
            else:
                out.append(f"{head} {_inline(item)}")
            lead = indent
        return
    for item in value:
        if _container(item) and item:
            _block(item, indent + "  ", f"{lead}- ", out)
        else:
            out.append(f"{lead}- {_inline(item)}")
        lead = indent


def dump(data: Mapping[str, Any]) -> str:
    """A block mapping, keys sorted, ending in a newline."""
    if not data:
        return "{}\n"
    out: list[str] = []
    _block(data, "", "", out)
    return "\n".join(out) + "\n"
