"""A batch's input: JSONL (`{"id": …, "prompt": …}` a line) or CSV with the same columns.

Read exactly as written: UTF-8 (a BOM from Excel or Notepad is fine), JSONL split on "\\n"
only, CSV through the csv module so that a quoted prompt may span lines. An id keeps its JSON
type (`5000` and `"5000"` are two ids); ids are compared by their canonical JSON form.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..textfiles import check_utf8, jsonl_lines, read_text

TEXT_FIELDS = ("prompt", "system", "model", "category")
ITEM_FIELDS = {"id", *TEXT_FIELDS}


def id_key(value) -> str:
    """The canonical JSON form of an id: how ids are matched between INPUT and OUT."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass
class BatchItem:
    id: str | int | float
    prompt: str
    system: str | None = None
    model: str | None = None
    category: str | None = None

    @property
    def key(self) -> str:
        return id_key(self.id)


def read_items(path: Path) -> list[BatchItem]:
    """Every item of the file, checked: ids unique, prompts present, text valid UTF-8."""
    text = read_text(path)
    rows = csv_rows(path, text) if Path(path).suffix.lower() == ".csv" else json_rows(path, text)
    items, seen = [], set()
    for line, row in rows:
        item = to_item(f"{path}:{line}", row)
        if item.key in seen:
            raise UsageError(f"{path}:{line}: the id {item.key} appears twice")
        seen.add(item.key)
        items.append(item)
    return items


def json_rows(path: Path, text: str):
    for line, raw in jsonl_lines(text):
        try:
            yield line, json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{line}: not valid JSON ({exc.msg})") from None


def csv_rows(path: Path, text: str):
    """Rows with the line each starts on (a quoted field may span several lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        while True:
            start = reader.line_num + 1
            values = next(reader, None)
            if values is None:
                return
            if len(values) > len(header):
                raise UsageError(f"{path}:{start}: more values than columns")
            if any(values):
                yield start, {k: v for k, v in zip(header, values, strict=False) if v != ""}
    except csv.Error as exc:
        raise UsageError(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None


def to_item(where: str, row) -> BatchItem:
    if not isinstance(row, dict):
        raise UsageError(f"{where}: expected an object with id and prompt")
    unknown = set(row) - ITEM_FIELDS
    if unknown:
        raise UsageError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    fields = {k: v for k, v in row.items() if v is not None}
    if fields.get("id") in (None, "") or not str(fields.get("prompt", "")).strip():
        raise UsageError(f"{where}: every line needs an id and a non-empty prompt")
    if not valid_id(fields["id"]):
        raise UsageError(f"{where}: the id must be a string or a number, not {fields['id']!r}")
    for name in TEXT_FIELDS:
        if name in fields:
            fields[name] = str(fields[name])
            check_utf8(fields[name], f"{where}: the {name}")
    return BatchItem(**fields)


def valid_id(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, (str, int)) or (isinstance(value, float) and math.isfinite(value))
