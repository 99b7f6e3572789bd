"""scheduler state: when the last complete enqueue pass ran

One small table of named instants. The scheduler records the instant of each complete enqueue pass under
``enqueue``; after downtime it widens its catch-up window to reach back to that pass, so steps, reminders and
payments that fell due while nobody ran it are still pushed (once each).

Revision ID: 0007_catch_up
Revises: 0006
Create Date: 2026-12-03 14:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007_catch_up'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'scheduler_state',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('scheduler_state')
