"""Writing rows to CSV or XLSX as they come, so exporting 60,000 customers needs no more memory than 2,000.

Cells are formula-safe (OWASP "CSV injection"): a customer named ``=HYPERLINK(…)`` or ``@SUM(A1)`` must not
become a live formula in whoever opens the export. CSV cells starting with ``= + - @``, tab or CR get a
leading ``'`` (the importer removes it again); XLSX cells are typed as strings, with Excel's quote prefix so
editing them keeps them text. Control characters (which XLSX cannot hold) are removed first.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from bot.text.hygiene import FORMULA_STARTS, clean_text, formula_safe

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
    with open_sheets(path, [(title, title, headers)]) as (sink,):
        yield sink


def companion_path(path: Path, name: str) -> Path:
    """Where a CSV export keeps its sheet `name` (``all.csv`` → ``all.followups.csv``)."""
    return path.with_name(f"{path.stem}.{name}{path.suffix}")


@contextmanager
def open_sheets(path: Path, sheets: Sequence[tuple[str, str, Sequence[str]]]) -> Iterator[list[RowSink]]:
    """One sink per ``(name, title, headers)``, written side by side: the sheets (titled) of one XLSX workbook,
    or for CSV the first at ``path`` and each other one beside it, named by its ``name`` (`companion_path`)."""
    fmt = format_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with ExitStack() as stack:
            sinks: list[RowSink] = []
            for index, (name, _title, headers) in enumerate(sheets):
                target = path if index == 0 else companion_path(path, name)
                stream = stack.enter_context(target.open("w", encoding="utf-8-sig", newline=""))
                writer = csv.writer(stream)
                writer.writerow(headers)
                sinks.append(_CsvSink(writer))
            yield sinks
        return
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    xlsx_sinks: list[RowSink] = []
    for _name, title, headers in sheets:
        sheet = workbook.create_sheet(title=title)
        sheet.freeze_panes = "A2"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        xlsx_sinks.append(_XlsxSink(sheet))
    yield xlsx_sinks
    workbook.save(path)


class _CsvSink:
    def __init__(self, writer) -> None:
        self._writer = writer

    def write(self, row: Sequence[object]) -> None:
        self._writer.writerow([_csv_cell(value) for value in row])


class _XlsxSink:
    def __init__(self, sheet) -> None:
        self._sheet = sheet

    def write(self, row: Sequence[object]) -> None:
        # Text, not numbers: a phone as a number loses its "+" and leading zeros in Excel.
        self._sheet.append([self._cell(value) for value in row])

    def _cell(self, value: object) -> object:
        if value is None:
            return ""
        if not isinstance(value, str):
            return value
        text = value if value.isprintable() else clean_text(value, multiline=True)
        if not text.startswith(FORMULA_STARTS):
            return text
        cell = WriteOnlyCell(self._sheet, value=text)
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        cell.quotePrefix = True
        return cell


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    return formula_safe(value if value.isprintable() else clean_text(value, multiline=True))
