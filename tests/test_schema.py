"""JSON Schemas are current, and every content file names its schema for editors."""

from __future__ import annotations

import json
from pathlib import Path

from reviewsite.schema import schemas

ROOT = Path(__file__).resolve().parent.parent
KIND_BY_FOLDER = {"mechanisms": "mechanism", "strategies": "strategy", "overviews": "overview", "papers": "paper"}


def test_committed_schemas_are_current():
    for name, text in schemas().items():
        path = ROOT / "schemas" / name
        assert path.read_text(encoding="utf-8") == text, f"run `reviewsite schema` ({name} is stale)"


def test_schemas_forbid_unknown_fields():
    paper = json.loads(schemas()["paper.schema.json"])
    assert paper["additionalProperties"] is False
    assert paper["$defs"]["Record"]["additionalProperties"] is False


def test_every_content_file_has_its_schema_line():
    content = ROOT / "content"
    files = [content / "review.yaml"] + sorted(content.glob("*/*.yaml"))
    assert len(files) > 1
    for path in files:
        kind = "review" if path.name == "review.yaml" else KIND_BY_FOLDER[path.parent.name]
        depth = "../" if path.name == "review.yaml" else "../../"
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema={depth}schemas/{kind}.schema.json", path
