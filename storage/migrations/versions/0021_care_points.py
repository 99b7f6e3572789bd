"""loyalty points: one balance row per customer and the ledger of every change

``loyalty_account.balance`` carries ``CHECK (balance >= 0)`` and every ``points_entry.balance_after`` the
same, so no interleaving of redemptions can leave a customer below zero. ``remaining`` is what is left of an
earned entry; ``expires_on`` when its unspent points expire (a partial index serves the expiry job).

Revision ID: 0021_care_points
Revises: 0020_contracts
Create Date: 2026-12-04 01:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0021_care_points'
down_revision: str | None = '0020_contracts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STR = sqlmodel.sql.sqltypes.AutoString
_AT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'loyalty_account',
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('tenant', _STR(length=120), nullable=False),
        sa.Column('balance', sa.Integer(), nullable=False),
        sa.Column('updated_at', _AT(), nullable=False),
        sa.CheckConstraint('balance >= 0', name='ck_loyalty_account_balance'),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.PrimaryKeyConstraint('customer_id'),
    )
    op.create_table(
        'points_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant', _STR(length=120), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('kind', _STR(length=16), nullable=False),
        sa.Column('delta', sa.Integer(), nullable=False),
        sa.Column('balance_after', sa.Integer(), nullable=False),
        sa.Column('remaining', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('reason', _STR(length=500), nullable=True),
        sa.Column('expires_on', sa.Date(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', _AT(), nullable=False),
        sa.CheckConstraint('balance_after >= 0', name='ck_points_entry_balance'),
        sa.CheckConstraint('remaining >= 0', name='ck_points_entry_remaining'),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.ForeignKeyConstraint(['order_id'], ['sales_order.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_points_entry_customer', 'points_entry', ['customer_id', 'created_at'])
    op.create_index('ix_points_entry_order', 'points_entry', ['order_id'])
    op.create_index('ix_points_entry_expiring', 'points_entry', ['expires_on'],
                    postgresql_where=sa.text('remaining > 0'), sqlite_where=sa.text('remaining > 0'))


def downgrade() -> None:
    op.drop_index('ix_points_entry_expiring', table_name='points_entry')
    op.drop_index('ix_points_entry_order', table_name='points_entry')
    op.drop_index('ix_points_entry_customer', table_name='points_entry')
    op.drop_table('points_entry')
    op.drop_table('loyalty_account')
