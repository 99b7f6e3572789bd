"""scope-first indexes: open outbox rows by audience, open follow-up steps by customer

``ix_outbox_open_audience`` (open rows by ``channel``, with the columns that say whether a row is claimable)
lets a claim find its next audiences by walking the index in channel order and stopping after the batch's
audiences, then read their rows by channel range. Before, every claim grouped all pending rows of every
audience (24,000 on a 60,000-customer morning): 30 ms of CPU per claim, about 50 claims per pass. The index
holds only open rows (pending and sending), so it stays as small as the outbox's backlog.

``ix_followup_customer_open`` (open steps by ``customer_id``, then ``next_due_at``) lets ``today`` reach a rep's
due steps through the rep's customers: before, it walked every open step of the tenant due before tonight
(``ix_followup_open_due``) and dropped other owners' rows, or read each customer's whole contact history.

Revision ID: 0012_sched_scope
Revises: 0011_zh
Create Date: 2026-12-03 14:20:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_sched_scope'
down_revision: str | None = '0011_zh'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Exactly as the models and the statements render them, or the planners cannot use the indexes.
OPEN = sa.text("status IN ('pending', 'sending')")
OPEN_STEP = sa.text('next_due_at IS NOT NULL AND done_at IS NULL AND deleted_at IS NULL')


def upgrade() -> None:
    op.create_index('ix_outbox_open_audience', 'notification_outbox',
                    ['channel', 'status', 'not_before', 'lease_until'], unique=False,
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_followup_customer_open', 'followup', ['customer_id', 'next_due_at'], unique=False,
                    postgresql_where=OPEN_STEP, sqlite_where=OPEN_STEP)


def downgrade() -> None:
    op.drop_index('ix_followup_customer_open', table_name='followup', postgresql_where=OPEN_STEP,
                  sqlite_where=OPEN_STEP)
    op.drop_index('ix_outbox_open_audience', table_name='notification_outbox', postgresql_where=OPEN,
                  sqlite_where=OPEN)
