"""Writing rows to CSV or XLSX as they come, so exporting 60,000 customers needs no more memory than 2,000."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMATS = ("csv", "xlsx")


class RowSink(Protocol):
    """Where exported rows go."""

    def write(self, row: Sequence[object]) -> None:
        """Append one row."""
        ...


class UnsupportedFormat(ValueError):
    """The export file name does not end in .csv or .xlsx."""


def format_of(path: Path) -> str:
    """``csv`` or ``xlsx`` from the file name; raises ``UnsupportedFormat``."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise UnsupportedFormat(f"{path}: export to a .csv or .xlsx file")
    return suffix


@contextmanager
def open_sheet(path: Path, headers: Sequence[str], *, title: str = "customers") -> Iterator[RowSink]:
    """A sink writing ``headers`` then each row to ``path`` (CSV as UTF-8 with BOM for Excel; XLSX streamed)."""
    fmt = format_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(headers)
            yield _CsvSink(writer)
        return
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    yield _XlsxSink(sheet)
    workbook.save(path)


class _CsvSink:
    def __init__(self, writer) -> None:
        self._writer = writer

    def write(self, row: Sequence[object]) -> None:
        self._writer.writerow(["" if value is None else value for value in row])


class _XlsxSink:
    def __init__(self, sheet) -> None:
        self._sheet = sheet

    def write(self, row: Sequence[object]) -> None:
        # Text, not numbers: a phone as a number loses its "+" and leading zeros in Excel.
        self._sheet.append(["" if value is None else value for value in row])
