"""merging duplicates: the merge records (for an exact undo), the weekly scan's pairs, periodic job runs

``customer.merged_into_id`` points a customer merged away at the one it was merged into (a plain column,
added without rebuilding the table, so its triggers stay). ``customer_merge`` records what each merge moved
and filled; ``uq_customer_merge_live_drop`` lets a customer be merged away once at a time. ``duplicate_pair``
holds the likely duplicates the weekly scan found, ``job_run`` which periods a periodic job already ran.

Revision ID: 0022_care_merges
Revises: 0021_care_points
Create Date: 2026-12-04 02:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0022_care_merges'
down_revision: str | None = '0021_care_points'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STR = sqlmodel.sql.sqltypes.AutoString
_AT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.add_column('customer', sa.Column('merged_into_id', sa.Integer(), nullable=True))
    op.create_table(
        'customer_merge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant', _STR(length=120), nullable=False),
        sa.Column('keep_id', sa.Integer(), nullable=False),
        sa.Column('drop_id', sa.Integer(), nullable=False),
        sa.Column('merged_by', sa.Integer(), nullable=False),
        sa.Column('merged_at', _AT(), nullable=False),
        sa.Column('moved', sa.Text(), nullable=False),
        sa.Column('filled', sa.Text(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('undone_at', _AT(), nullable=True),
        sa.Column('undone_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['drop_id'], ['customer.id']),
        sa.ForeignKeyConstraint(['keep_id'], ['customer.id']),
        sa.ForeignKeyConstraint(['merged_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['undone_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('uq_customer_merge_live_drop', 'customer_merge', ['drop_id'], unique=True,
                    postgresql_where=sa.text('undone_at IS NULL'), sqlite_where=sa.text('undone_at IS NULL'))
    op.create_index('ix_customer_merge_keep', 'customer_merge', ['keep_id'])
    op.create_table(
        'duplicate_pair',
        sa.Column('low_id', sa.Integer(), nullable=False),
        sa.Column('high_id', sa.Integer(), nullable=False),
        sa.Column('tenant', _STR(length=120), nullable=False),
        sa.Column('reason', _STR(length=16), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('found_at', _AT(), nullable=False),
        sa.ForeignKeyConstraint(['high_id'], ['customer.id']),
        sa.ForeignKeyConstraint(['low_id'], ['customer.id']),
        sa.PrimaryKeyConstraint('low_id', 'high_id'),
    )
    op.create_index('ix_duplicate_pair_found', 'duplicate_pair', ['tenant', 'found_at'])
    op.create_table(
        'job_run',
        sa.Column('name', _STR(length=40), nullable=False),
        sa.Column('period', _STR(length=20), nullable=False),
        sa.Column('ran_at', _AT(), nullable=False),
        sa.PrimaryKeyConstraint('name', 'period'),
    )


def downgrade() -> None:
    op.drop_table('job_run')
    op.drop_index('ix_duplicate_pair_found', table_name='duplicate_pair')
    op.drop_table('duplicate_pair')
    op.drop_index('ix_customer_merge_keep', table_name='customer_merge')
    op.drop_index('uq_customer_merge_live_drop', table_name='customer_merge')
    op.drop_table('customer_merge')
    op.drop_column('customer', 'merged_into_id')  # not a table rebuild: the customer triggers stay
