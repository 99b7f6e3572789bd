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
import re
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from bot.importing.reasons import Reason
from bot.text.hygiene import formula_safe

_SNIFF_BYTES = 64 * 1024
_CHUNK = 1024 * 1024


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX we can read (unknown suffix, undecodable text, corrupt workbook)."""


@dataclass(frozen=True, slots=True)
class LineIssue:
    """Something reading a line had to repair (``rejects=False``: the row imports with a note) or could not
    (``rejects=True``: the line is rejected with this reason)."""

    reason: Reason
    rejects: bool = False


# A record: its first physical line (1-based), its cells, and what reading it had to repair or refuse.
Row = tuple[int, list[object], tuple[LineIssue, ...]]


@dataclass
class Table:
    """Rows of one sheet: ``rows`` yields ``Row`` triples with 1-based physical line / row numbers.

    Once the header is known the caller sets ``multiline_ok`` (whether a record whose quoted cells span
    several lines is plausible) and ``complete_row`` (whether cells make a whole row), which the CSV reader
    uses to tell line breaks inside an address from a quote that never closes.
    """

    rows: Iterator[Row]
    estimated_rows: int | None
    kind: str
    encoding: str | None = None
    details: dict[str, str] = field(default_factory=dict)
    multiline_ok: Callable[[list[str]], bool] | None = None
    complete_row: Callable[[list[str]], bool] = lambda cells: True
    lines_read: Callable[[], int] = lambda: 0
    # Physical lines beyond the first of records whose quoted cells hold line breaks (CSV).
    continued_lines: int = 0


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
    """The file's text encoding: a BOM decides; else UTF-8 if the whole file decodes, else GB18030, or
    ``mixed`` when some lines are UTF-8 text and others are not (files pasted together from two machines).

    GB18030 is the superset of GBK and GB2312 that Chinese Excel writes; the whole file is checked (cheaply,
    in binary chunks) because a non-UTF-8 byte may first appear on row 40,000.
    """
    with path.open("rb") as stream:
        head = stream.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig" if _decodes_as_utf8(stream) else MIXED
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if len(head) >= 4 and head[1:4:2] == b"\x00\x00" and head[0:4:2] != b"\x00\x00":
            return "utf-16-le"  # "Unicode text" without its BOM: every other byte of ASCII text is NUL
        stream.seek(0)
        if _decodes_as_utf8(stream):
            return "utf-8"
        stream.seek(0)
        utf8_text = any(not line.isascii() and _utf8(line) for line in stream)
    return MIXED if utf8_text else "gb18030"


MIXED = "mixed"


def _decodes_as_utf8(stream) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@contextmanager
def _open_csv(path: Path, encoding: str | None) -> Iterator[Table]:
    encoding = encoding or detect_encoding(path)
    binary = encoding in (MIXED, "gb18030", "gbk", "gb2312")
    stream: IO[Any]
    try:
        if binary:
            stream = path.open("rb")
            sample = b"".join(line for _, line in zip(range(400), stream, strict=False)).decode(
                "utf-8" if encoding == MIXED else encoding, errors="replace")
        else:
            stream = path.open("r", encoding=encoding, newline="")
            sample = stream.read(_SNIFF_BYTES)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UnreadableFile(f"{path}: cannot read as {encoding} ({exc}); pass --encoding") from None
    try:
        dialect = _sniff(sample)
        stream.seek(0)
        source = _decoded_lines(stream, encoding) if binary else stream
        table = Table(rows=iter(()), estimated_rows=_count_lines(path), kind="csv", encoding=encoding,
                      details={"delimiter": repr(dialect.delimiter)})
        lines = _Lines(source)
        table.rows = _csv_rows(lines, dialect, path, encoding, table)
        table.lines_read = lambda: lines.count
        yield table
    finally:
        stream.close()


def _sniff(sample: str) -> type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel  # one column, or nothing to go by: plain comma CSV


def _decoded_lines(stream, encoding: str) -> Iterator[str | DecodedLine]:
    """Lines of a GB18030 or mixed file, each decoded on its own, so one odd line cannot spoil the rest.

    In a mixed file UTF-8 is tried first (GB18030 would accept UTF-8 bytes as other characters); a line that
    is neither is decoded with replacement characters and flagged."""
    first = "utf-8" if encoding == MIXED else encoding
    for line in stream:
        try:
            yield line.decode(first)
        except UnicodeDecodeError:
            pass
        else:
            continue
        if encoding == MIXED:
            try:
                yield DecodedLine(line.decode("gb18030"), "gb18030")
                continue
            except UnicodeDecodeError:
                pass
        yield DecodedLine(line.decode(first, errors="replace"), None)


class DecodedLine(str):
    """A line not in the file's main encoding: ``encoding`` is the one that read it, ``None`` if none did."""

    encoding: str | None

    def __new__(cls, text: str, encoding: str | None) -> DecodedLine:
        line = super().__new__(cls, text)
        line.encoding = encoding
        return line


class _Lines:
    """The physical lines of a text, numbered, as the csv module reads them; lines taken for the record being
    parsed are kept in ``taken``, and lines can be put back to be parsed again on their own."""

    def __init__(self, source) -> None:
        self._source = iter(source)
        self._back: deque[tuple[int, str]] = deque()
        self.count = 0
        self.exhausted = False
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._back:
            number, line = self._back.popleft()
        else:
            try:
                line = next(self._source)
            except StopIteration:
                self.exhausted = True
                raise
            self.count += 1
            number = self.count
        self.taken.append((number, line))
        return line

    def has_put_back(self) -> bool:
        """Whether lines put back are still waiting to be read."""
        return bool(self._back)

    def put_back(self, lines: list[tuple[int, str]]) -> None:
        self._back.extendleft(reversed(lines))


# A quoted cell may hold line breaks (an address, a note), but one running on for more lines than this is a
# quote that was never closed.
MAX_LINES_PER_RECORD = 30


def _csv_rows(lines: _Lines, dialect: type[csv.Dialect], path: Path, encoding: str, table: Table) -> Iterator[Row]:
    """``(line_number, cells, issues)`` per record; a record whose quote runs over several lines is kept only
    when ``table.multiline_ok`` accepts its cells, else its first line is rejected and the lines it swallowed
    are read again on their own (each one rejected unless it is a complete row by itself)."""
    reread_until = 0  # lines up to this one were swallowed by a rejected quote: they must be complete rows
    opened_on = 0
    while True:
        reader = csv.reader(lines, dialect)
        restart = False
        try:
            for cells in reader:
                taken, lines.taken = lines.taken, []
                first = taken[0][0]
                issues = _line_issues(taken, cells)
                if len(taken) > 1 and not _multiline_ok(table, cells, taken, lines, dialect):
                    lines.put_back(taken[1:])
                    reread_until, opened_on = taken[-1][0], first
                    text = taken[0][1].rstrip("\r\n")
                    only = next(csv.reader([text], dialect), [text])
                    yield first, only, (*issues, LineIssue(Reason("unclosed_quote", {"lines": len(taken) - 1}), rejects=True))
                    restart = True  # the reader's state is inside the bad quote: start a fresh one
                    break
                table.continued_lines += len(taken) - 1
                if first <= reread_until and not table.complete_row(cells):
                    yield first, cells, (*issues, LineIssue(Reason("after_unclosed_quote", {"line": opened_on}), rejects=True))
                    continue
                yield first, cells, issues
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"{path}: not valid {encoding} ({exc}); pass --encoding") from None
        except csv.Error as exc:
            raise UnreadableFile(f"{path}: malformed CSV near line {lines.count}: {exc}") from None
        if not restart:
            return


def _multiline_ok(table: Table, cells: list[str], taken: list[tuple[int, str]], lines: _Lines,
                  dialect: type[csv.Dialect]) -> bool:
    """Whether a record spanning several lines is a cell with line breaks rather than a quote left open."""
    if len(taken) > MAX_LINES_PER_RECORD:
        return False
    if lines.exhausted and not lines.has_put_back() and sum(line.count('"') for _, line in taken) % 2:
        return False  # the file ended inside the quote
    if table.multiline_ok is None or not table.multiline_ok(cells):
        return False
    # Lines that are whole rows by themselves were swallowed, not written inside one cell.
    width = len(cells)
    if width >= 3:
        whole = sum(1 for _, line in taken[1:] if len(next(csv.reader([line], dialect), [])) == width)
        if whole * 2 >= len(taken) - 1:
            return False
    return True


_NO_ISSUES: tuple[LineIssue, ...] = ()


def _line_issues(taken: list[tuple[int, str]], cells: list[str]) -> tuple[LineIssue, ...]:
    """What reading the record's lines had to repair: NUL bytes removed, a stray BOM, a line in another encoding."""
    issues: list[LineIssue] = []
    repair = False
    for _, line in taken:
        if line.__class__ is DecodedLine:
            encoding = line.encoding  # type: ignore[attr-defined]
            issues.append(LineIssue(Reason("line_decoded_as" if encoding else "line_undecodable",
                                           {"encoding": encoding or ""})))
        repair = repair or "\x00" in line or line.startswith("\ufeff")
    if repair:
        if any("\x00" in cell for cell in cells):
            cells[:] = [cell.replace("\x00", "") for cell in cells]
            issues.append(LineIssue(Reason("nul_removed")))
        if cells and cells[0].startswith("\ufeff"):  # a second file pasted under the first
            cells[0] = cells[0].lstrip("\ufeff")
    return tuple(issues) if issues else _NO_ISSUES


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
    hidden_rows, hidden_columns = hidden_rows_and_columns(path, worksheet)
    seen = [0]
    yield Table(
        rows=_xlsx_rows(worksheet.iter_rows(), merges, hidden_rows, seen),
        estimated_rows=worksheet.total_height,
        kind="xlsx",
        details={"sheet": worksheet.name, "merged_ranges": str(len(merges)),
                 **({"hidden_columns": ",".join(map(str, sorted(hidden_columns)))} if hidden_columns else {})},
        lines_read=lambda: seen[0],
    )


_ROW_TAG = re.compile(rb'<row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_COL_TAG = re.compile(rb'<col\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ATTR = re.compile(rb'\b(r|min|max)="(\d+)"')


def hidden_rows_and_columns(path: Path, worksheet: CalamineSheet) -> tuple[frozenset[int], frozenset[int]]:
    """Row numbers (1-based) and column positions (1-based, as the rows are read) the sheet hides.

    calamine does not report them, so the sheet's XML is scanned for ``hidden`` attributes (one regular
    expression over the bytes: a few tens of milliseconds for a 60,000-row sheet). A hidden row is still
    data, so it is imported with a note; hidden columns are named in the summary."""
    try:
        with zipfile.ZipFile(path) as archive:
            xml = archive.read(_sheet_part(archive, worksheet.name))
    except (KeyError, OSError, zipfile.BadZipFile, ValueError):
        return frozenset(), frozenset()
    rows = frozenset(int(v) for m in _ROW_TAG.finditer(xml) for k, v in _ATTR.findall(m.group()) if k == b"r")
    first_col = worksheet.start[1] if worksheet.start else 0
    columns: set[int] = set()
    for match in _COL_TAG.finditer(xml):
        bounds = {k.decode(): int(v) for k, v in _ATTR.findall(match.group())}
        if "min" in bounds:
            low, high = bounds["min"], bounds.get("max", bounds["min"])
            columns.update(c - first_col for c in range(low, min(high, low + 200) + 1) if c - first_col >= 1)
    return rows, frozenset(columns)


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str:
    workbook = archive.read("xl/workbook.xml").decode("utf-8")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        sheet_name = re.search(r'\bname="([^"]*)"', tag)
        rel_id = re.search(r'\br:id="([^"]*)"', tag) or re.search(r'\bid="([^"]*)"', tag)
        if sheet_name and rel_id and _xml_unescape(sheet_name.group(1)) == name:
            for rel in re.findall(r"<Relationship\b[^>]*>", rels):
                if f'Id="{rel_id.group(1)}"' in rel and (target := re.search(r'Target="([^"]*)"', rel)):
                    part = target.group(1)
                    return part.lstrip("/") if part.startswith("/") else f"xl/{part}"
    raise KeyError(name)


def _xml_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


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


_HIDDEN_ROW = (LineIssue(Reason("hidden_row")),)
_MAY_LOOK_LIKE_A_FORMULA = frozenset("='\t\r\n ")


def _xlsx_rows(rows: Iterator[list[object]], merges: list[tuple[int, int, int, int]],
               hidden_rows: frozenset[int] = frozenset(), seen: list[int] | None = None) -> Iterator[Row]:
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
        for col, cell in enumerate(cells):
            if cell.__class__ is str and cell[:1] in _MAY_LOOK_LIKE_A_FORMULA:
                # A string cell is text, never a formula (calamine gives formulas' values): quote it the way a
                # CSV export does, so the formula rules that read CSV cells give back exactly this text.
                text = cell.strip()  # type: ignore[union-attr]
                if text[:1] in "='":
                    cells[col] = formula_safe(text)
        if seen is not None:
            seen[0] = number
        yield number, cells, (_HIDDEN_ROW if number in hidden_rows else _NO_ISSUES)


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
