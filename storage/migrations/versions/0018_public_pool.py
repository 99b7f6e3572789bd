"""public pool: customers released to their team's pool, and the one claim per release

``customer.pooled_at`` marks a customer in its team's pool (公海): its owner keeps the row's ``owner_id`` for the
record but no longer sees it as theirs. ``pool_release`` keeps every release (one open per customer:
``ix_pool_release_open``) and ``pool_claim`` the claim that ended it, keyed by the release, so two reps
claiming at once cannot both win.

Revision ID: 0018_public_pool
Revises: 0017_service
Create Date: 2026-12-04 01:45:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0018_public_pool'
down_revision: str | None = '0017_service'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: the customer table is large and carries triggers.
    op.add_column('customer', sa.Column('pooled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_table('pool_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('previous_owner_id', sa.Integer(), nullable=False),
    sa.Column('released_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('released_on', sa.Date(), nullable=False),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['previous_owner_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pool_release', schema=None) as batch_op:
        batch_op.create_index('ix_pool_release_open', ['customer_id'], unique=True,
                              postgresql_where=sa.text('ended_at IS NULL'), sqlite_where=sa.text('ended_at IS NULL'))
        batch_op.create_index('ix_pool_release_team', ['tenant', 'team_id', 'released_at'], unique=False)
    op.create_table('pool_claim',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('claimer_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['claimer_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['release_id'], ['pool_release.id'], ),
    sa.PrimaryKeyConstraint('release_id')
    )
    with op.batch_alter_table('pool_claim', schema=None) as batch_op:
        batch_op.create_index('ix_pool_claim_claimer', ['claimer_id', 'claimed_at'], unique=False)


def downgrade() -> None:
    op.drop_table('pool_claim')
    op.drop_table('pool_release')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('pooled_at')
