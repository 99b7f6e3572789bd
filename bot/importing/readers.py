"""Streaming rows out of CSV and XLSX files, whatever produced them.

- CSV: UTF-8 with or without BOM, UTF-16 (Excel's "Unicode text"), and GBK / GB18030 (Excel on a Chinese
  Windows); the delimiter (``,`` ``;`` tab ``|``) is sniffed. Nothing is loaded whole.
- XLSX: openpyxl in read-only mode (rows are parsed as they are read). Read-only mode does not report
  merged cells, so their ranges are taken from the ``<mergeCells>`` element that follows the sheet data,
  and a vertically merged value (a region or owner merged over a group of rows) is repeated on every row it
  covers. A horizontally merged value stays in its first column only: the covered columns are not its data.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

_SNIFF_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>|<(?:\w+:)?sheetData\s*/>")


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
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"{path}: not a readable .xlsx workbook ({exc})") from None
    try:
        if sheet is not None:
            if sheet not in workbook.sheetnames:
                raise UnreadableFile(f"{path}: no sheet {sheet!r} (sheets: {', '.join(workbook.sheetnames)})")
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.active or workbook.worksheets[0]
        merges = merged_ranges(path, getattr(worksheet, "_worksheet_path", None))
        yield Table(
            rows=_xlsx_rows(worksheet, merges),
            estimated_rows=worksheet.max_row,
            kind="xlsx",
            details={"sheet": worksheet.title, "merged_ranges": str(len(merges))},
        )
    finally:
        workbook.close()


def merged_ranges(path: Path, worksheet_path: str | None) -> list[tuple[int, int, int, int]]:
    """``(min_col, min_row, max_col, max_row)`` of every merged range of a sheet (1-based).

    The ``<mergeCells>`` element comes after ``<sheetData>``, so the sheet XML is streamed, decompressed
    and skipped until the end of the data; only what follows is searched.
    """
    if not worksheet_path:
        return []
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(worksheet_path.lstrip("/")) as stream:
        carry = b""
        while chunk := stream.read(_CHUNK):
            window = carry + chunk
            if tail:
                tail += chunk
                continue
            end = _SHEET_DATA_END.search(window)
            if end:
                tail = window[end.end():]
            else:
                carry = window[-32:]  # a closing tag split across two chunks
    return [range_boundaries(ref.decode("ascii")) for ref in _MERGE_REF.findall(tail)]


def _xlsx_rows(worksheet, merges: list[tuple[int, int, int, int]]) -> Iterator[tuple[int, list[object]]]:
    # Cells covered by a vertical merge, mapped to the merge's top-left cell (first column only).
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    anchors: set[tuple[int, int]] = set()
    for min_col, min_row, _max_col, max_row in merges:
        if max_row > min_row:
            anchors.add((min_row, min_col))
            for row in range(min_row + 1, max_row + 1):
                covered[(row, min_col)] = (min_row, min_col)
    anchor_values: dict[tuple[int, int], object] = {}
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=worksheet.min_row or 1):
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
