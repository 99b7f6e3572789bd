"""outbox index of open rows by audience

``ix_outbox_open_audience`` (open rows by ``channel``, with the columns that say whether a row is claimable)
lets a claim find its next audiences by walking the index in channel order and stopping after the batch's
audiences, then read their rows by channel range. Before, every claim grouped all pending rows of every
audience (24,000 on a 60,000-customer morning): 30 ms of CPU per claim, about 50 claims per pass. The index
holds only open rows (pending and sending), so it stays as small as the outbox's backlog.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:20:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Exactly as the model and the claim statement render it, or the planners cannot use the index.
OPEN = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    op.create_index('ix_outbox_open_audience', 'notification_outbox',
                    ['channel', 'status', 'not_before', 'lease_until'], unique=False,
                    postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade() -> None:
    op.drop_index('ix_outbox_open_audience', table_name='notification_outbox', postgresql_where=OPEN,
                  sqlite_where=OPEN)
