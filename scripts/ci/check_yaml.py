#!/usr/bin/env python3
"""YAML syntax check for any YAML file (workflows, mkdocs.yml, CITATION.cff, content).

    python scripts/ci/check_yaml.py FILE...

Reports `path:line:col: message` for syntax errors, duplicate keys and tab indentation, and exits 1
if there is any. Tags (MkDocs' `!ENV`, `!relative`) are read as plain values, never executed.
Content files get the full validation from `reviewsite check`; this is the quick check for the rest.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


class _Loader(yaml.SafeLoader):
    pass


def _tagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_Loader.add_multi_constructor("!", _tagged)


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[object, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:  # unhashable key: SafeLoader reports it below
            continue
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {first.start_mark.line + 1})", key_node.start_mark
            )
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def problems(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{path}:1:1: cannot read as UTF-8: {exc}"]
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            out.append(f"{path}:{number}:{indent.index(chr(9)) + 1}: tab in indentation (use spaces)")
    try:
        for _ in yaml.load_all(text, Loader=_Loader):  # noqa: S506 -- a SafeLoader subclass
            pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        out.append(f"{path}:{where}: {exc.problem or exc.context}")
    except yaml.YAMLError as exc:
        out.append(f"{path}:1:1: {' '.join(str(exc).split())}")
    return out


def main(argv: list[str]) -> int:
    found = [p for name in argv for p in problems(Path(name))]
    for line in found:
        print("".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in line), file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
