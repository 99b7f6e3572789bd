"""`import_customers`: a CSV / XLSX file into the customers of the importing user's tenant.

Rows stream through: read → prepare (validate + normalise) → duplicate check → owner → batch write. Bad
rows never stop good ones: each is written to the error file with its reason and the import goes on.
``dry_run`` runs every step except the writes, so its report is what a real run would do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from bot import platforms
from bot.clock import Clock, SystemClock
from bot.importing.activity import Placement, customer_dates, followup_row
from bot.importing.duplicates import DuplicateIndex, Known
from bot.importing.error_file import ErrorFile, default_error_path
from bot.importing.headers import HeaderMap
from bot.importing.history import companion_of, import_history
from bot.importing.owners import OwnerDirectory
from bot.importing.pipeline import (
    RawRow,
    choose_workers,
    prepared_chunks,
    raw_chunks,
    read_header,
    with_date_order,
)
from bot.importing.readers import open_table
from bot.importing.reasons import Reason
from bot.importing.rows import FileContext, PreparedRow, RejectedRow
from bot.importing.values import DateOrder
from bot.importing.writer import BatchWriter, MergeExtras
from storage.fuzzy_index import settle_after_bulk_insert
from storage.models import User

DuplicatePolicy = Literal["skip", "merge", "create"]
DUPLICATE_POLICIES: tuple[DuplicatePolicy, ...] = ("skip", "merge", "create")
ProgressCallback = Callable[[int, int | None], None]


# Rows handed to a worker process at a time: small enough that the writer starts early and never waits long.
PREPARED_CHUNK_ROWS = 2000


@dataclass(frozen=True)
class ImportOptions:
    """How to import: duplicate policy, dry run, ``--map`` overrides (``parse_map_option``) and file details."""

    on_duplicate: DuplicatePolicy = "skip"
    dry_run: bool = False
    mapping: Mapping[str, str] = field(default_factory=dict)
    errors_path: Path | None = None
    encoding: str | None = None
    sheet: str | None = None
    lang: str = "zh"
    batch_size: int = 10_000  # rows per transaction; re-running after an interruption repeats at most these
    workers: int | None = None
    platform: str = ""  # a platform name; empty: the local platform (the terminal chat)
    timezone: str = "Asia/Shanghai"  # where an owner without a zone of their own places the file's dates
    morning_hour: int = 9  # when a next step without a time is due, for an owner without their own hour

    def __post_init__(self) -> None:
        if self.on_duplicate not in DUPLICATE_POLICIES:
            raise ValueError(f"on_duplicate must be one of {', '.join(DUPLICATE_POLICIES)}, not {self.on_duplicate!r}")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    source: Path
    dry_run: bool
    on_duplicate: DuplicatePolicy
    header_map: HeaderMap | None = None
    rows: int = 0
    blank_rows: int = 0
    lines: int = 0  # physical lines (CSV) or sheet rows (XLSX) of the file
    before_header: int = 0  # title and blank lines above the header
    continued_lines: int = 0  # further lines of records whose quoted cells hold line breaks
    set_aside: int = 0  # cells a row could not use (kept in the notes, listed in the error file)
    hidden_columns: tuple[str, ...] = ()  # headers of XLSX columns hidden in the sheet (imported all the same)
    created: int = 0
    merged: int = 0
    skipped: int = 0
    rejected: int = 0
    noted: int = 0
    contacts_created: int = 0
    followups_created: int = 0
    history: str | None = None  # the follow-up history read back with an export (file or sheet), if any
    error_file: Path | None = None
    audit_id: int | None = None
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """The figures recorded in the audit log."""
        return {
            "file": self.source.name, "dry_run": self.dry_run, "on_duplicate": self.on_duplicate,
            "rows": self.rows, "created": self.created, "merged": self.merged, "skipped": self.skipped,
            "rejected": self.rejected, "noted": self.noted, "contacts_created": self.contacts_created,
            "blank_rows": self.blank_rows, "lines": self.lines, "set_aside": self.set_aside,
            "followups_created": self.followups_created, "history": self.history,
            "error_file": str(self.error_file) if self.error_file else None,
        }  # fmt: skip

    def accounting(self) -> dict[str, int]:
        """Where every line of the file went; the parts add up to ``lines``."""
        header = 1 if self.header_map is not None else 0
        return {"lines": self.lines, "before_header": self.before_header, "header": header,
                "continued_lines": self.continued_lines, "blank_rows": self.blank_rows, "rows": self.rows,
                "created": self.created, "merged": self.merged, "skipped": self.skipped, "rejected": self.rejected}

    @property
    def balanced(self) -> bool:
        """Whether every line is accounted for: rows decided one way each, lines all placed."""
        parts = self.accounting()
        decided = self.created + self.merged + self.skipped + self.rejected
        placed = (self.before_header + parts["header"] + self.continued_lines + self.blank_rows + self.rows)
        return decided == self.rows and placed == self.lines

    def count(self, reasons: list[Reason]) -> None:
        """Tally reason codes (shown in the summary)."""
        for reason in reasons:
            self.reasons[reason.code] = self.reasons.get(reason.code, 0) + 1


def import_customers(
    engine: Engine,
    *,
    user: User,
    path: str | Path,
    options: ImportOptions | None = None,
    clock: Clock | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import customers from ``path`` as ``user`` (who becomes the default owner).

    Raises ``UnreadableFile`` (bad file / encoding) or ``HeaderError`` (no name column, bad ``--map``)
    before anything is written; every row-level problem is reported in the error file instead.
    """
    options = options or ImportOptions()
    source = Path(path)
    started = time.perf_counter()
    now = (clock or SystemClock()).now()
    report = ImportReport(source=source, dry_run=options.dry_run, on_duplicate=options.on_duplicate)
    with Session(engine) as session:
        index = DuplicateIndex.load(session, user)
        owners = OwnerDirectory(session, user)
    writer = BatchWriter(engine, tenant=user.tenant, user_id=user.id, platform=options.platform or platforms.local(), now=now,
                         dry_run=options.dry_run)  # type: ignore[arg-type]
    with open_table(source, encoding=options.encoding, sheet=options.sheet) as table:
        header_map, rows, header_end = read_header(table, options.mapping)
        hidden = {int(n) for n in table.details.get("hidden_columns", "").split(",") if n}
        report.hidden_columns = tuple(h for i, h in enumerate(header_map.headers, start=1) if i in hidden and h)
        header_continued = table.continued_lines
        report.header_map = header_map
        errors = ErrorFile(options.errors_path or default_error_path(source), header_map.headers, lang=options.lang)
        companion = companion_of(source, options.sheet) if any(f == "crm_id" for _, f in header_map.columns) else None
        run = _Run(report, index, owners, writer, errors, options, contacts_file=header_map.contacts,
                   with_history=companion is not None)
        workers = choose_workers(options.workers, table.estimated_rows)
        try:
            chunk_rows = min(options.batch_size, PREPARED_CHUNK_ROWS)
            order = DateOrder()
            chunks = with_date_order(raw_chunks(rows, header_map, chunk_rows, fixed_width=table.kind == "csv"),
                                     header_map.columns, order)
            first = next(chunks, None)  # reads ahead until the file shows how it writes a/b/yyyy dates
            context = FileContext(header_map.headers, day_first=order.day_first, contacts=header_map.contacts)
            unwritten = 0
            # Workers prepare the next batch while this process writes the last one.
            ahead = -(-options.batch_size // chunk_rows) + workers
            all_chunks = chain([first] if first is not None else [], chunks)
            for chunk in prepared_chunks(all_chunks, header_map.columns, workers=workers, ahead=ahead,
                                         context=context):
                run.process(chunk.raw, chunk.prepared)
                report.blank_rows += chunk.blank_rows
                unwritten += len(chunk.raw)
                if unwritten >= options.batch_size:
                    run.flush()
                    unwritten = 0
                if progress is not None:
                    progress(report.rows + report.blank_rows, table.estimated_rows)
            run.flush()
            report.lines = table.lines_read()
            report.continued_lines = table.continued_lines - header_continued
            report.before_header = header_end - 1  # title lines, and the header's own line breaks
        finally:
            errors.close()
        report.error_file = errors.path if errors.written else None
        run.finish()
    if companion is not None:
        report.history = companion.describe()
        if not options.dry_run and run.created_by_export_id:
            place = run.place_of(owners.resolve(None))
            report.followups_created += import_history(
                engine, companion, {crm: known.customer_id for crm, known in run.created_by_export_id.items()
                                    if known.customer_id is not None},
                owners=owners, place=place, now=now, platform=options.platform)
    if report.created and not options.dry_run:
        settle_after_bulk_insert(engine)
    report.audit_id = writer.audit_id
    report.seconds = time.perf_counter() - started
    return report


class _Run:
    """The per-row decisions of one import (kept apart from I/O set-up for readability)."""

    def __init__(self, report: ImportReport, index: DuplicateIndex, owners: OwnerDirectory, writer: BatchWriter,
                 errors: ErrorFile, options: ImportOptions, *, contacts_file: bool = False,
                 with_history: bool = False) -> None:
        self.report, self.index, self.owners = report, index, owners
        self.writer, self.errors, self.policy = writer, errors, options.on_duplicate
        self.options = options
        self.contacts_file = contacts_file
        # An export's history comes with the file: customers it creates get every follow-up from it instead
        # of the one their row describes (`bot.importing.history`).
        self.with_history = with_history
        self.created_by_export_id: dict[int, Known] = {}
        self._now = writer.now
        self._places: dict[tuple[str | None, int | None], Placement] = {}
        # Rows merged into stored customers wait here until their batch is written and the notes known.
        self._waiting: dict[int, tuple[list[str], list[Reason]]] = {}

    def process(self, raw: list[RawRow], prepared: list[PreparedRow | RejectedRow]) -> None:
        """Decide every row of a prepared chunk: reject, skip, merge or create."""
        for raw_row, item in zip(raw, prepared, strict=True):
            self.report.rows += 1
            if isinstance(item, RejectedRow):
                self._outcome(raw_row.cells, item.row_number, "rejected", [item.reason])
                self.report.rejected += 1
                continue
            self.report.set_aside += len(item.set_aside)
            self._decide(raw_row, item)

    def _place(self, timezone: str | None, morning_hour: int | None) -> Placement:
        key = (timezone, morning_hour)
        if key not in self._places:
            try:
                tz = ZoneInfo(timezone or self.options.timezone)
            except (ValueError, KeyError):
                tz = ZoneInfo(self.options.timezone)
            self._places[key] = Placement(tz, self.options.morning_hour if morning_hour is None else morning_hour)
        return self._places[key]

    def place_of(self, owner) -> Placement:
        """Where `owner`'s dates fall."""
        return self._place(owner.timezone, owner.morning_hour)

    def _activity(self, row: PreparedRow, owner) -> tuple[dict, dict | None]:
        if row.activity is None:
            return {}, None
        place = self._place(owner.timezone, owner.morning_hour)
        dates = customer_dates(row.activity, place, self._now)
        followup = followup_row(row.activity, place, author_id=owner.user_id, now=self._now,
                                file_name=self.report.source.name, lang=self.options.lang,
                                platform=self.options.platform or platforms.local())
        return dates, followup

    def _decide(self, raw_row: RawRow, row: PreparedRow) -> None:
        match = self.index.match(row)
        # A people export lists a company once per person: those rows add contacts to one customer.
        joins = (match is not None and self.contacts_file and match[1] in ("name", "pinyin")
                 and match[0].visible and match[0].customer_id is None)
        if match is not None and (self.policy != "create" or joins):
            known, why = match
            if (self.policy == "skip" and not joins) or not known.visible:
                code = "duplicate" if known.visible else "duplicate_hidden"
                self._outcome(raw_row.cells, row.row_number, "skipped", [Reason(code, {"target": known.target(), "why": why})])
                self.report.skipped += 1
                return
            self.report.merged += 1
            extras = MergeExtras(overwrite=why == "id")
            owner = self.owners.resolve(row.owner_ref) if row.owner_ref else None
            if owner is not None and owner.note is None and not joins:
                extras.owner_id, extras.team_id = owner.user_id, owner.team_id
            extras.dates, extras.followup = self._activity(row, owner or self.owners.resolve(None))
            notes = self.writer.merge(known, row, extras)
            self.index.add_row(known, row)
            if notes is None:  # decided when the batch is written
                self._waiting[row.row_number] = (raw_row.cells, row.notes)
            else:
                self._note(raw_row.cells, row.row_number, row.notes + notes)
            return
        if match is not None and (same := self.index.identical(row)) is not None:
            self._outcome(raw_row.cells, row.row_number, "skipped", [Reason("identical", {"target": same.target()})])
            self.report.skipped += 1
            return
        owner = self.owners.resolve(row.owner_ref)
        dates, followup = self._activity(row, owner)
        from_history = self.with_history and row.crm_id is not None and row.crm_id not in self.created_by_export_id
        known = self.writer.create(row, owner_id=owner.user_id, team_id=owner.team_id, dates=dates,
                                   followup=None if from_history else followup)
        if from_history:
            self.created_by_export_id[row.crm_id] = known  # type: ignore[index]
        self.index.add_row(known, row)
        self.report.created += 1
        notes = [*row.notes, *([owner.note] if owner.note else [])]
        if notes:
            self._note(raw_row.cells, row.row_number, notes)

    def _note(self, cells: list[str], row_number: int, notes: list[Reason]) -> None:
        # A plain "merged" is what was asked for; only notes that need a look go to the error file.
        worth_reading = [n for n in notes if n.code != "merged"]
        if worth_reading:
            self._outcome(cells, row_number, "note", worth_reading)
            self.report.noted += 1

    def _outcome(self, cells: list[str], row_number: int, status, reasons: list[Reason]) -> None:
        self.errors.write(row_number, status, reasons, cells)
        self.report.count(reasons)

    def flush(self) -> None:
        """Write the batch; notes from merges into stored customers are known only now."""
        for row_number, notes in self.writer.flush(self._summary("running")):
            cells, row_notes = self._waiting.pop(row_number, ([], []))
            self._note(cells, row_number, row_notes + notes)
        self._waiting.clear()

    def finish(self) -> None:
        """Write what is left and the final audit summary."""
        self.writer.finish(self._summary("done"))
        self.report.contacts_created = self.writer.contacts_created
        self.report.followups_created = self.writer.followups_created

    def _summary(self, status: str) -> dict[str, object]:
        self.report.contacts_created = self.writer.contacts_created
        return {**self.report.summary(), "status": status}
