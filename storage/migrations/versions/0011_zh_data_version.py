"""data_version: which version of derived data (customer search keys) the stored rows hold

Customer search keys are computed from the name by the application (pinyin readings, surname readings,
traditional folded to simplified). When that computation changes, the application recomputes the stored keys
once and records the version here; a migration cannot do it itself, as migrations do not import the
application. A database without a row for ``customer_search_keys`` is at version 0 and gets recomputed.

Revision ID: 0011_zh
Revises: 0010_invariants
Create Date: 2026-12-03 14:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011_zh'
down_revision: str | None = '0010_invariants'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'data_version',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('data_version')
