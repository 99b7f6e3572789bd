"""Keeping interactive reads on their scope's indexes.

An interactive command reads the asker's scope (a rep's customers, a manager's teams) and then each customer's
rows through an index that starts with the customer. Some of its conditions are also ranges over a tenant-wide
index (open steps due before tonight, unpaid orders due before today, today's birthdays); a planner may take
such a range as the selective part, walk the whole tenant's range and drop the other owners' rows afterwards —
cheap on a small book, a scan of everyone's rows on a large one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func


def unindexed(column: Any) -> Any:
    """`column` as ``coalesce(column, column)``: the same value (NULL stays NULL), but no index serves a condition
    on it and neither planner folds it away, so the rows are reached through the scope's customers."""
    return func.coalesce(column, column, type_=column.type)
