"""The error file: every row that was not imported as-is, with the reason, next to its original cells.

Columns: ``row`` (the row number in the source sheet), ``status`` (``rejected``: invalid, fix and import
again; ``skipped``: a duplicate, left alone; ``note``: imported, but check it), ``code``, ``reason``, then the
source file's own columns. Written as UTF-8 with a BOM so Excel shows Chinese correctly. The bookkeeping
columns are ignored by the importer, so the fixed-up file can be imported as it is.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.importing.reasons import Reason, Status

_BOOKKEEPING = {"en": ("row", "status", "code", "reason"), "zh": ("行号", "处理结果", "code", "原因")}
_STATUS_ZH = {"rejected": "未导入", "skipped": "已跳过", "note": "已导入（请核对）"}


def default_error_path(source: Path) -> Path:
    """``customers.xlsx`` → ``customers.errors.csv`` beside it."""
    return source.with_name(f"{source.stem}.errors.csv")


class ErrorFile:
    """Opened on the first row written, so a clean import leaves no file behind."""

    def __init__(self, path: Path, headers: Sequence[str], *, lang: str) -> None:
        self.path = path
        self._headers = list(headers)
        self._lang = "zh" if lang == "zh" else "en"
        self._stream: TextIO | None = None
        self._writer: Any = None  # a csv writer once the first row comes
        self.rows_written = 0

    def write(self, row_number: int, status: Status, reasons: Sequence[Reason], cells: Sequence[str]) -> None:
        """Add one row: its number, status, reason codes and texts, and its original cells."""
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._stream = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._stream)
            self._writer.writerow([*_BOOKKEEPING[self._lang], *self._headers])
        shown_status = _STATUS_ZH[status] if self._lang == "zh" else status
        self._writer.writerow([
            row_number,
            shown_status,
            " ".join(reason.code for reason in reasons),
            "; ".join(reason.text(self._lang) for reason in reasons),
            *cells,
        ])
        self.rows_written += 1

    def close(self) -> None:
        """Flush and close the file (if anything was written)."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    @property
    def written(self) -> bool:
        """Whether any row was written (a clean import leaves no file)."""
        return self.rows_written > 0
