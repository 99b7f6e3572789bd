"""followup live contact index

A partial index on a customer's live follow-ups, ``(customer_id, happened_at) WHERE deleted_at IS NULL``:
churn scoring (the scheduler's weekly pass and a manager's digest) reads each customer's first and last
contact and distinct contact days from the index alone, without visiting the follow-up rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:11:30.899861
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Exactly as bot.notifications.enqueue_churn renders it, or the planners cannot use the index.
LIVE = sa.text('deleted_at IS NULL')


def upgrade() -> None:
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index('ix_followup_customer_live', ['customer_id', 'happened_at'], unique=False,
                              postgresql_where=LIVE, sqlite_where=LIVE)


def downgrade() -> None:
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_index('ix_followup_customer_live', postgresql_where=LIVE, sqlite_where=LIVE)
