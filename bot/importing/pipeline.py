"""From a table of cells to prepared rows, chunk by chunk, optionally on several CPU cores.

Reading stays in this process (it is sequential anyway); validation and normalisation (phone parsing,
pypinyin, birthday rules: about 120 µs a row, most of an import's CPU time) run in worker processes for
large files. Results come back in file order, so "the first row wins" inside the file does not depend
on timing, and at most a few chunks are in flight so memory stays flat whatever the file size.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain

from bot.importing.headers import HeaderError, HeaderMap, header_score, map_headers, names_the_customer
from bot.importing.readers import LineIssue, Row, Table, cell_text
from bot.importing.reasons import Reason
from bot.importing.rows import FileContext, PreparedRow, RejectedRow, prepare_chunk
from bot.importing.values import DateOrder

# The header row may sit under a title row or two ("2026 客户清单"); look this far for it.
HEADER_SEARCH_ROWS = 20
# Below this many rows, starting worker processes costs more than it saves.
PARALLEL_MIN_ROWS = 5000
# Workers yield the CPU to the process that writes: on two cores it is the one the import waits for.
WORKER_NICENESS = 5


@dataclass(slots=True)
class RawRow:
    """A data row as read: its number and its cells as text (kept for the error file)."""

    row_number: int
    cells: list[str]
    issues: tuple[LineIssue, ...] = ()


@dataclass(slots=True)
class PreparedChunk:
    """A chunk of rows with their preparation results, in the same order."""

    raw: list[RawRow]
    prepared: list[PreparedRow | RejectedRow]
    blank_rows: int


def read_header(table: Table, overrides: Mapping[str, str] | None) -> tuple[HeaderMap, Iterator[Row], int]:
    """Find the header row and map it; returns the rows after it and the header's last physical line.

    The header is the row that can name the customer and has the most recognised headers among the first
    rows (a title row above it has none, and a data row, holding phones, e-mails or dates, never counts).
    The first such row with two or more recognised headers is taken at once, so the usual file is read
    straight through; from then on the table's reader knows the row width and which columns may hold line
    breaks."""
    rows = iter(table.rows)
    first_nonblank: tuple[int, list[str]] | None = None
    best: tuple[int, int, list[str], int] | None = None  # (score, row number, texts, lines read)
    seen: list[tuple[Row, int]] = []
    for _ in range(HEADER_SEARCH_ROWS):
        try:
            row = next(rows)
        except StopIteration:
            break
        seen.append((row, table.lines_read()))
        number, cells, _issues = row
        texts = [cell_text(c) for c in cells]
        if not any(texts):
            continue
        first_nonblank = first_nonblank or (number, texts)
        if not names_the_customer(texts, overrides):
            continue
        score = header_score(texts, overrides)
        if score == 0:
            continue  # it names the customer only by holding data (a phone, an e-mail, a date): a data row
        if best is None or score > best[0]:
            best = (score, number, texts, table.lines_read())
        if score >= 2:
            break
    if best is None:
        if first_nonblank is None:
            raise HeaderError("the file has no header row (it is empty)")
        map_headers(first_nonblank[1], first_nonblank[0], overrides)  # raises with the headers seen
        raise HeaderError("no header row found")  # pragma: no cover - map_headers raised
    _score, number, texts, header_end = best
    header_map = map_headers(texts, number, overrides)
    _teach(table, header_map)
    after = [row for row, _lines in seen if row[0] > number]
    return header_map, chain(after, rows), header_end


# Columns whose cells may plausibly hold line breaks; a break anywhere else means a quote ran on.
MULTILINE_FIELDS = frozenset(("address", "notes"))


def _teach(table: Table, header_map: HeaderMap) -> None:
    width = len(header_map.headers)
    fields = dict(header_map.columns)
    allowed = [index for index in range(width) if fields.get(index, "notes") in MULTILINE_FIELDS]
    # Unmapped columns may hold free text (a second remarks column): their breaks cost nothing.

    def complete(cells: list[str]) -> bool:
        return len(cells) == width or (len(cells) > width and not any(c.strip() for c in cells[width:]))

    def multiline_ok(cells: list[str]) -> bool:
        if not complete(cells):
            return False
        allowed_set = set(allowed)
        return all(index in allowed_set for index, cell in enumerate(cells[:width]) if "\n" in cell or "\r" in cell)

    table.complete_row = complete
    table.multiline_ok = multiline_ok


def raw_chunks(rows: Iterator[Row], header_map: HeaderMap, size: int, *, fixed_width: bool = False) -> Iterator[tuple[list[RawRow], int]]:
    """Data rows in chunks of ``size`` non-blank rows, with how many blank rows each chunk skipped.

    ``fixed_width`` (CSV): a row with more non-empty fields than the header has is rejected (an unquoted
    comma has shifted its values into the wrong columns); a shorter row imports with a note."""
    width = len(header_map.headers)
    header = [h.strip() for h in header_map.headers]
    chunk: list[RawRow] = []
    blank = 0
    for number, cells, issues in rows:
        # CSV cells are always str: strip them directly (a third of the reading time at 60k rows).
        texts = [c.strip() if c.__class__ is str else cell_text(c) for c in cells[:width]]
        if (not any(texts) and not any(issue.rejects for issue in issues)
                and (len(cells) <= width or not any(cell_text(c) for c in cells[width:]))):
            blank += 1
            continue
        if fixed_width and len(cells) != width and not any(issue.rejects for issue in issues):
            issues = (*issues, *_width_issue(cells, width))
        texts.extend([""] * (width - len(texts)))
        if texts == header:  # files pasted together, each with its header
            issues = (*issues, _HEADER_AGAIN)
        chunk.append(RawRow(number, texts, issues))
        if len(chunk) >= size:
            yield chunk, blank
            chunk, blank = [], 0
    if chunk or blank:
        yield chunk, blank


_HEADER_AGAIN = LineIssue(Reason("header_again"), rejects=True)


def _width_issue(cells: list[object], width: int) -> tuple[LineIssue, ...]:
    if len(cells) > width:
        extra = [cell_text(c) for c in cells[width:]]
        if not any(extra):
            return ()  # trailing separators
        return (LineIssue(Reason("too_many_fields", {"fields": len(cells), "expected": width}), rejects=True),)
    return (LineIssue(Reason("short_row", {"fields": len(cells), "expected": width})),)


def _payload(chunk: list[RawRow]) -> list[tuple[int, list[str], tuple[LineIssue, ...]]]:
    # Plain lists of strings: the cheapest thing to pickle to a worker and back.
    return [(raw.row_number, raw.cells, raw.issues) for raw in chunk]


def prepared_chunks(chunks: Iterator[tuple[list[RawRow], int]], columns: tuple[tuple[int, str], ...], *,
                    workers: int, ahead: int = 0, context: FileContext = FileContext()) -> Iterator[PreparedChunk]:
    """Prepare each chunk (cells mapped to fields by ``columns``), in ``workers`` processes when ``workers > 1``;
    results keep the file's order. The workers may run up to ``ahead`` chunks (at least two each) ahead of the
    consumer, so they keep working while it writes a batch."""
    if workers <= 1:
        for raw, blank in chunks:
            yield PreparedChunk(raw, prepare_chunk(_payload(raw), columns, context), blank)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_yield_cpu) as pool:
        in_flight: deque[tuple[list[RawRow], int, Future]] = deque()
        for raw, blank in chunks:
            in_flight.append((raw, blank, pool.submit(prepare_chunk, _payload(raw), columns, context)))
            if len(in_flight) > max(workers * 2, ahead):
                done_raw, done_blank, future = in_flight.popleft()
                yield PreparedChunk(done_raw, future.result(), done_blank)
        while in_flight:
            done_raw, done_blank, future = in_flight.popleft()
            yield PreparedChunk(done_raw, future.result(), done_blank)


# Fields holding dates; their a/b/yyyy spellings tell whether the file writes the day or the month first.
DATE_FIELDS = frozenset(("birthday", "last_contact", "next_followup", "followup_at", "created"))
# Rows read ahead, at most, to find that evidence before the first row is prepared.
DATE_EVIDENCE_ROWS = 10_000


def with_date_order(chunks: Iterator[tuple[list[RawRow], int]], columns: tuple[tuple[int, str], ...],
                    order: DateOrder) -> Iterator[tuple[list[RawRow], int]]:
    """The same chunks, after reading ahead (at most ``DATE_EVIDENCE_ROWS``) until ``order`` is decided by a
    date that can only be day first or month first; every row is then read the same way."""
    indexes = [index for index, field in columns if field in DATE_FIELDS]
    if not indexes:
        yield from chunks
        return
    held: list[tuple[list[RawRow], int]] = []
    rows = 0
    for chunk in chunks:
        held.append(chunk)
        for raw in chunk[0]:
            for index in indexes:
                if "/" in raw.cells[index] or "." in raw.cells[index] or "-" in raw.cells[index]:
                    order.observe(raw.cells[index])
        rows += len(chunk[0])
        if order.decided or rows >= DATE_EVIDENCE_ROWS:
            break
    yield from held
    yield from chunks


def _yield_cpu() -> None:
    if hasattr(os, "nice"):  # not on Windows
        os.nice(WORKER_NICENESS)


def choose_workers(requested: int | None, estimated_rows: int | None) -> int:
    """Worker processes for an import: as asked, else one per core for large files, else none."""
    if requested is not None:
        return max(1, requested)
    if (estimated_rows or 0) < PARALLEL_MIN_ROWS:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))
