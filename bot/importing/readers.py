"""Streaming rows out of CSV and XLSX files, whatever produced them.

- CSV: UTF-8 with or without BOM, UTF-16 (Excel's "Unicode text"), and GBK / GB18030 (Excel on a Chinese
  Windows); the delimiter (``,`` ``;`` tab ``|``) is sniffed. Nothing is loaded whole.
- XLSX: python-calamine (Rust's calamine): it parses a 60,000-row sheet in about 0.5 s where openpyxl's
  read-only mode takes about 6 s, which alone would spend most of the 10-second import budget. A vertically
  merged value (a region or owner merged over a group of rows) is repeated on every row it covers; a
  horizontally merged value stays in its first column only: the covered columns are not its data.
  (Exports are still written with openpyxl.)
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

_SNIFF_BYTES = 64 * 1024
_CHUNK = 1024 * 1024


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX we can read (unknown suffix, undecodable text, corrupt workbook)."""


@dataclass
class Table:
    """Rows of one sheet: ``rows`` yields ``(row_number, cells)`` with 1-based physical row numbers."""

    rows: Iterator[tuple[int, list[object]]]
    estimated_rows: int | None
    kind: str
    encoding: str | None = None
    details: dict[str, str] = field(default_factory=dict)


@contextmanager
def open_table(path: str | Path, *, encoding: str | None = None, sheet: str | None = None) -> Iterator[Table]:
    """Open ``path`` (``.csv``/``.txt``/``.tsv`` or ``.xlsx``/``.xlsm``) for streaming; raises ``UnreadableFile``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise UnreadableFile(f"{path}: no such file")
    if suffix in (".xlsx", ".xlsm"):
        with _open_xlsx(path, sheet) as table:
            yield table
    elif suffix in (".csv", ".txt", ".tsv"):
        with _open_csv(path, encoding) as table:
            yield table
    elif suffix == ".xls":
        raise UnreadableFile(f"{path}: the old .xls format is not supported; save it as .xlsx or .csv")
    else:
        raise UnreadableFile(f"{path}: expected a .csv or .xlsx file")


# ---- CSV -------------------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """The file's text encoding: a BOM decides; else UTF-8 if the whole file decodes, else GB18030.

    GB18030 is the superset of GBK and GB2312 that Chinese Excel writes; the whole file is checked (cheaply,
    in binary chunks) because a non-UTF-8 byte may first appear on row 40,000.
    """
    with path.open("rb") as stream:
        head = stream.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        stream.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := stream.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


@contextmanager
def _open_csv(path: Path, encoding: str | None) -> Iterator[Table]:
    encoding = encoding or detect_encoding(path)
    try:
        stream = path.open("r", encoding=encoding, newline="")
        sample = stream.read(_SNIFF_BYTES)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UnreadableFile(f"{path}: cannot read as {encoding} ({exc}); pass --encoding") from None
    try:
        dialect = _sniff(sample)
        stream.seek(0)
        yield Table(
            rows=_csv_rows(stream, dialect, path, encoding),
            estimated_rows=_count_lines(path),
            kind="csv",
            encoding=encoding,
            details={"delimiter": repr(dialect.delimiter)},
        )
    finally:
        stream.close()


def _sniff(sample: str) -> type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel  # one column, or nothing to go by: plain comma CSV


def _csv_rows(stream: io.TextIOBase, dialect: type[csv.Dialect], path: Path, encoding: str):
    reader = csv.reader(stream, dialect)
    try:
        yield from enumerate(reader, start=1)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{path}: not valid {encoding} ({exc}); pass --encoding") from None
    except csv.Error as exc:
        raise UnreadableFile(f"{path}: malformed CSV near record {reader.line_num}: {exc}") from None


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            count += chunk.count(b"\n")
    return count + 1


# ---- XLSX ------------------------------------------------------------------------------------------------


@contextmanager
def _open_xlsx(path: Path, sheet: str | None) -> Iterator[Table]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise UnreadableFile(f"{path}: not a readable .xlsx workbook ({exc})") from None
    try:
        if sheet is not None:
            if sheet not in workbook.sheet_names:
                raise UnreadableFile(f"{path}: no sheet {sheet!r} (sheets: {', '.join(workbook.sheet_names)})")
            worksheet = workbook.get_sheet_by_name(sheet)
        else:
            worksheet = workbook.get_sheet_by_index(0)
    except CalamineError as exc:
        raise UnreadableFile(f"{path}: not a readable .xlsx workbook ({exc})") from None
    merges = merged_ranges(worksheet)
    yield Table(
        rows=_xlsx_rows(worksheet.iter_rows(), merges),
        estimated_rows=worksheet.total_height,
        kind="xlsx",
        details={"sheet": worksheet.name, "merged_ranges": str(len(merges))},
    )


def merged_ranges(worksheet: CalamineSheet) -> list[tuple[int, int, int, int]]:
    """``(min_col, min_row, max_col, max_row)`` of every merged range, 1-based, in the columns the rows use.

    calamine reports merges in absolute sheet coordinates while its rows start at the first used column,
    so columns are shifted by that offset.
    """
    first_col = worksheet.start[1] if worksheet.start else 0
    return [
        (c0 - first_col + 1, r0 + 1, c1 - first_col + 1, r1 + 1)
        for (r0, c0), (r1, c1) in (worksheet.merged_cell_ranges or [])
    ]


def _xlsx_rows(rows: Iterator[list[object]], merges: list[tuple[int, int, int, int]]) -> Iterator[tuple[int, list[object]]]:
    # Cells covered by a vertical merge, mapped to the merge's top-left cell (first column only).
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    anchors: set[tuple[int, int]] = set()
    for min_col, min_row, _max_col, max_row in merges:
        if max_row > min_row:
            anchors.add((min_row, min_col))
            for row in range(min_row + 1, max_row + 1):
                covered[(row, min_col)] = (min_row, min_col)
    anchor_values: dict[tuple[int, int], object] = {}
    # calamine yields every physical row from the sheet's first row, so the row number is the position.
    for number, values in enumerate(rows, start=1):
        cells = list(values)
        if anchors or covered:
            for col in range(1, len(cells) + 1):
                if (number, col) in anchors:
                    anchor_values[(number, col)] = cells[col - 1]
                elif (anchor := covered.get((number, col))) is not None and cells[col - 1] in (None, ""):
                    cells[col - 1] = anchor_values.get(anchor)
        yield number, cells


# ---- cell values -----------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A cell as the text a person sees: ``13800138000.0`` → ``13800138000``, a date → ``1985-03-02``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()
