"""Reading back an export's follow-up history (`bot.exporting.history`) for the customers an import created.

An export carries every follow-up in a sheet of its own (XLSX) or a file beside the customers' (CSV). When
the customers file is imported into a book that does not hold those customers yet, each created customer
gets its whole history back: the follow-ups dated as they were, their authors (matched as owners are; the
importer when nobody matches), done steps done, and the one open next step with its reminder, date-only
when it was. Customers that were merged into stored ones keep the history they have.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook
from sqlalchemy import Engine, insert

from bot.exporting import history as exported
from bot.exporting.sheets import companion_path
from bot.importing.activity import Placement, due_moment, instant
from bot.importing.owners import OwnerDirectory
from bot.importing.readers import UnreadableFile, cell_text, open_table
from bot.importing.values import parse_date
from bot.text.hygiene import formula_restored
from storage.db import is_sqlite
from storage.models import FollowUp

FOLLOWUP = FollowUp.__table__
BATCH = 5000
_HEADERS = {header.casefold(): key for key, en, zh in exported.COLUMNS for header in (en, zh, key)}
_KINDS = {**{word: kind for kind, word in exported.KIND_WORDS_ZH.items()}, **{k: k for k in exported.FOLLOWUP_KINDS}}


@dataclass(frozen=True)
class Companion:
    """Where an import's follow-up history is: a CSV file, or a sheet of the imported workbook."""

    path: Path
    sheet: str | None = None

    def describe(self) -> str:
        """``all.followups.csv`` or ``all.xlsx [跟进记录]``."""
        return f"{self.path.name} [{self.sheet}]" if self.sheet else self.path.name


def companion_of(source: Path, sheet: str | None = None) -> Companion | None:
    """The follow-up history exported with `source`, if it is there."""
    suffix = source.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        path = companion_path(source, exported.NAME)
        return Companion(path) if path.is_file() else None
    if suffix in (".xlsx", ".xlsm"):
        try:
            names = CalamineWorkbook.from_path(str(source)).sheet_names
        except (CalamineError, OSError, ValueError):
            return None
        for title in exported.TITLES.values():
            if title in names and title != sheet:
                return Companion(source, title)
    return None


def import_history(engine: Engine, companion: Companion, customers: Mapping[int, int], *, owners: OwnerDirectory,
                   place: Placement, now: datetime, platform: str) -> int:
    """Insert the history rows of `customers` (exported id → created customer id); returns how many."""
    written = 0
    open_steps: dict[int, dict[str, Any]] = {}
    batch: list[dict[str, Any]] = []
    target = engine.execution_options(sqlite_immediate=True) if is_sqlite(engine) else engine
    for row in _rows(companion, customers, owners=owners, place=place, now=now, platform=platform):
        if row["next_due_at"] is not None and row["done_at"] is None:
            earlier = open_steps.get(row["customer_id"])
            if earlier is not None:  # one open next step per customer: a later one replaces it
                earlier["done_at"] = min(row["happened_at"], now)
                batch.append(earlier)
            open_steps[row["customer_id"]] = row
            continue
        batch.append(row)
        if len(batch) >= BATCH:
            written += _insert(target, batch)
            batch = []
    batch.extend(open_steps.values())
    return written + _insert(target, batch)


def _insert(engine: Engine, rows: list[dict[str, Any]]) -> int:
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(FOLLOWUP), rows)
    return len(rows)


def _rows(companion: Companion, customers: Mapping[int, int], *, owners: OwnerDirectory, place: Placement,
          now: datetime, platform: str) -> Iterator[dict[str, Any]]:
    try:
        with open_table(companion.path, sheet=companion.sheet) as table:
            columns: dict[str, int] | None = None
            for _number, cells, _issues in table.rows:
                texts = [formula_restored(cell_text(cell)).strip() for cell in cells]
                if columns is None:
                    columns = {_HEADERS[t.casefold()]: i for i, t in enumerate(texts) if t.casefold() in _HEADERS}
                    if "customer_id" not in columns:
                        return  # not a follow-up history after all
                    continue
                values = {key: texts[i] if i < len(texts) else "" for key, i in columns.items()}
                found = _row(values, customers, owners=owners, place=place, now=now, platform=platform)
                if found is not None:
                    yield found
    except UnreadableFile:
        return


def _row(values: dict[str, str], customers: Mapping[int, int], *, owners: OwnerDirectory, place: Placement,
         now: datetime, platform: str) -> dict[str, Any] | None:
    exported_id = values.get("customer_id", "")
    customer_id = customers.get(int(exported_id)) if exported_id.isdigit() else None
    at = parse_date(values.get("at", ""))
    if customer_id is None or at is None:
        return None
    author = values.get("by") or None
    step = values.get("next_step") or None
    due = parse_date(values.get("next_due", ""))
    done = parse_date(values.get("done_at", ""))
    row: dict[str, Any] = {
        "customer_id": customer_id, "author_id": owners.resolve(author).user_id if author else owners.resolve(None).user_id,
        "kind": _KINDS.get(values.get("kind", "").casefold(), "note"), "text": values.get("text") or "—",
        "happened_at": min(instant(at, place.tz), now), "next_step": None, "next_due_at": None,
        "next_due_date": None, "next_due_has_time": False, "done_at": min(instant(done, place.tz), now) if done else None,
        "source_platform": platform, "source_channel": None, "source_thread": None, "source_message_id": None,
        "created_at": now, "deleted_at": None,
    }  # fmt: skip
    if step or due:
        row["next_step"] = (step or "—")[:500]
        if due is not None:
            row["next_due_at"], row["next_due_date"], row["next_due_has_time"] = due_moment(due, place)
    return row
