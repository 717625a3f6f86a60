"""JSON Schemas of the content files, for editors (yaml-language-server) to validate while typing."""

from __future__ import annotations

import json
from pathlib import Path

from .model import KINDS


def schemas() -> dict[str, str]:
    """File name -> JSON text, deterministic."""
    out = {}
    for kind, model in KINDS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"reviewsite {kind}"
        out[f"{kind}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return out


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schemas().items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def schema_line(kind: str, depth: int) -> str:
    """The modeline a content file starts with; `depth` is how many folders below content/ it sits."""
    return f"# yaml-language-server: $schema={'../' * (depth + 1)}schemas/{kind}.schema.json"
