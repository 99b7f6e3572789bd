"""`crmbot import FILE`: customers from a CSV / XLSX spreadsheet, with a progress bar on a terminal."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import customers from a .csv or .xlsx file",
        description="Import customers from a spreadsheet. Chinese and English headers (客户名称, 电话, 负责人, "
        "name, phone, owner …) are recognised; --map names the rest. Rows that cannot be imported are "
        "listed with their reason in an error file; duplicates (same phone, email or name) are skipped "
        "unless --on-duplicate says otherwise. Re-running an import creates no duplicates. Contracts come "
        "from the book's 合同 / contracts sheet, a <name>.contracts.csv beside a CSV, or a contracts file "
        "on its own (合同编号, 客户名称, 合同标题, 金额, 开始日期, 结束日期 … or contract, customer, title …).",
    )
    parser.add_argument("file", type=Path, help="the .csv or .xlsx file")
    parser.add_argument("--as", dest="user", default=None,
                        help="import as this user (name or platform:id); the default owner (default: login name)")
    parser.add_argument("--map", dest="mapping", default="", metavar="'Header=field,…'",
                        help="map columns to fields, e.g. 'Kunde=name,Telefon=phone,Spalte X=ignore'")
    parser.add_argument("--dry-run", action="store_true", help="check everything and report, write nothing")
    parser.add_argument("--on-duplicate", choices=("skip", "merge", "create"), default="skip",
                        help="skip duplicates (default), merge them into the existing customer, or create anyway")
    parser.add_argument("--errors", type=Path, default=None, metavar="PATH",
                        help="where to write rejected / skipped rows (default: FILE.errors.csv beside FILE)")
    parser.add_argument("--encoding", default=None, help="CSV text encoding (default: detected; UTF-8 / GBK / UTF-16)")
    parser.add_argument("--sheet", default=None, help="XLSX sheet name (default: the active sheet)")
    parser.add_argument("--lang", choices=("zh", "en"), default=None, help="language of the error file's reasons")
    parser.set_defaults(handler=handle)


class ProgressBar:
    """A one-line bar redrawn in place on a terminal (at most ten times a second)."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self._stream = stream
        self._width = width
        self._last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        if total:
            total = max(total, done)
            filled = int(self._width * done / total)
            bar = "#" * filled + "." * (self._width - filled)
            self._stream.write(f"\r[{bar}] {done:,} / ~{total:,} rows")
        else:
            self._stream.write(f"\r{done:,} rows")
        self._stream.flush()

    def close(self) -> None:
        self._stream.write("\r" + " " * (self._width + 40) + "\r")
        self._stream.flush()


def handle(args: argparse.Namespace) -> int:
    from adapters.bootstrap import bootstrap
    from adapters.cli_commands.chat import default_user
    from bot.importing import (
        HeaderError,
        ImportOptions,
        UnknownActingUser,
        UnreadableFile,
        acting_user,
        import_customers,
        parse_map_option,
    )
    from bot.importing.contracts import contract_table, is_contract_table
    from storage.uow import unit_of_work

    runtime = bootstrap()
    try:
        mapping = parse_map_option(args.mapping) if args.mapping else {}
        with unit_of_work(runtime.engine) as session:
            user = acting_user(session, runtime.settings, args.user or default_user())
        if args.file.is_file() and is_contract_table(args.file, sheet=args.sheet):
            return _contracts(runtime, user, args, (args.file, args.sheet))
        options = ImportOptions(
            on_duplicate=args.on_duplicate, dry_run=args.dry_run, mapping=mapping, errors_path=args.errors,
            encoding=args.encoding, sheet=args.sheet, lang=args.lang or runtime.settings.defaults.language,
            timezone=runtime.settings.defaults.timezone, morning_hour=runtime.settings.defaults.morning_hour,
        )
        bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
        try:
            report = import_customers(runtime.engine, user=user, path=args.file, options=options,
                                      clock=runtime.clock, progress=bar)
        finally:
            if bar is not None:
                bar.close()
    except (HeaderError, UnreadableFile, UnknownActingUser) as exc:
        print(f"crmbot import: {exc}", file=sys.stderr)
        return 1
    print_report(report, user_name=user.name)
    table = contract_table(args.file, sheet=args.sheet)
    return _contracts(runtime, user, args, table) if table is not None else 0


def _contracts(runtime, user, args: argparse.Namespace, table: tuple[Path, str | None]) -> int:
    """Import the contracts table `table` (file, sheet) and print what it did."""
    from bot.importing.contracts import import_contracts

    report = import_contracts(runtime.engine, runtime.settings, user=user, path=table[0], sheet=table[1],
                              dry_run=args.dry_run, lang=args.lang or runtime.settings.defaults.language,
                              clock=runtime.clock)
    verb = "would be " if report.dry_run else ""
    print(f"Contracts from {report.source}: {report.rows:,} rows, {report.created:,} {verb}created, "
          f"{report.unchanged:,} unchanged, {report.linked:,} renewals linked, {len(report.rejected):,} rejected")
    for line, reason in report.rejected[:50]:
        print(f"  line {line}: {reason}")
    return 0


def print_report(report, *, user_name: str, stream: TextIO | None = None) -> None:
    """The human summary of an ``ImportReport`` (on stdout unless ``stream`` is given)."""
    def out(line: str = "") -> None:
        print(line, file=stream or sys.stdout)

    title = "Dry run (nothing written)" if report.dry_run else "Imported"
    out(f"{title}: {report.source.name} as {user_name}, duplicates: {report.on_duplicate}")
    if report.header_map is not None:
        if report.header_map.profile:
            out(f"  layout: {report.header_map.profile}" + (" (one person a row: contacts under their company)"
                                                           if report.header_map.contacts else ""))
        out("  columns:")
        for header, meaning in report.header_map.every_column():
            out(f"    {header} → {meaning}" if meaning else f"    {header} → ignored")
        if report.hidden_columns:
            out("  hidden in the sheet (read all the same): " + ", ".join(report.hidden_columns))
    verb = "would be " if report.dry_run else ""
    out(f"  lines: {report.lines:,} = {report.before_header + (1 if report.header_map else 0):,} up to the header"
        f" + {report.rows:,} rows + {report.blank_rows:,} blank + {report.continued_lines:,} inside multi-line cells"
        + ("" if report.balanced else "  (DOES NOT ADD UP: please report this file)"))
    out(f"  rows: {report.rows:,}  {verb}created: {report.created:,}  {verb}merged: {report.merged:,}  "
        f"skipped as duplicates: {report.skipped:,}  rejected: {report.rejected:,}  with notes: {report.noted:,}")
    if report.set_aside:
        out(f"  cells set aside (kept in the notes, listed in the error file): {report.set_aside:,}")
    if not report.dry_run:
        out(f"  contacts added: {report.contacts_created:,}  follow-ups and next steps added: {report.followups_created:,}")
    if report.history:
        out(f"  follow-up history of the created customers read from {report.history}")
    if report.error_file is not None:
        counts = ", ".join(f"{code} {n:,}" for code, n in sorted(report.reasons.items(), key=lambda kv: -kv[1]))
        out(f"  rows to look at: {report.error_file} ({counts})")
    out(f"  took {report.seconds:.1f} s")
