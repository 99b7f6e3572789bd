"""contracts (合同): C<n> with their terms, renewals linked to their predecessor

``uq_contract_renewed_from`` makes a contract's successor unique: two concurrent `renew` commands, or a manual
renewal racing the scheduler's automatic roll-forward, leave exactly one. ``ck_contract_term`` keeps an end
never before the start; ``ix_contract_live_end`` is what the renewal reminders read (live contracts by end).

Revision ID: 0020_contracts
Revises: 0019_followup_source_url
Create Date: 2026-12-04 01:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0020_contracts'
down_revision: str | None = '0019_followup_source_url'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_CONTRACT = 'ended_on IS NULL AND deleted_at IS NULL'


def upgrade() -> None:
    op.create_table(
        'contract',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('auto_renew', sa.Boolean(), nullable=False),
        sa.Column('renewed_from_id', sa.Integer(), nullable=True),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('end_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name='ck_contract_term'),
        sa.CheckConstraint('amount IS NULL OR amount > 0', name='ck_contract_amount'),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
        sa.ForeignKeyConstraint(['renewed_from_id'], ['contract.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('renewed_from_id', name='uq_contract_renewed_from'),
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index('ix_contract_customer', ['customer_id', 'ends_on'], unique=False)
        batch_op.create_index('ix_contract_live_end', ['ends_on'], unique=False,
                              postgresql_where=sa.text(LIVE_CONTRACT), sqlite_where=sa.text(LIVE_CONTRACT))


def downgrade() -> None:
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index('ix_contract_live_end', postgresql_where=sa.text(LIVE_CONTRACT),
                            sqlite_where=sa.text(LIVE_CONTRACT))
        batch_op.drop_index('ix_contract_customer')
    op.drop_table('contract')
