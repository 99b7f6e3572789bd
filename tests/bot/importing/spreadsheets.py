"""Writing test spreadsheets the way Excel and WPS do: CSV in UTF-8 with BOM, GBK or UTF-16; XLSX with merges."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook


def write_csv(path: Path, rows: Sequence[Sequence[object]], *, encoding: str = "utf-8-sig", delimiter: str = ",") -> Path:
    """Rows as CSV in `encoding` (Excel on Chinese Windows: gbk; "Unicode text": utf-16 with tabs)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], *, merges: Sequence[str] = (), title: str = "客户") -> Path:
    """Rows in one sheet; `merges` are ranges like ``"E3:E5"`` (the value stays in the top-left cell)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


def read_error_file(path: Path) -> list[dict[str, str]]:
    """The error file's rows as dicts keyed by its header."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))
