"""pipeline deals: the opportunity table made usable, stage history, the order a deal closed into

``opportunity`` existed unused since 0001: it gains its tenant, when it entered its current stage, why it was
lost, when it closed and who created it, a check that keeps ``status`` and ``stage`` in step (an open deal is
in an open stage; a closed one is in the closing stage its status names), and the indexes the funnel reads
(by owner and status; by tenant, status and expected close; open deals by expected close, for the
past-close alerts).

``deal_stage`` keeps every stay of a deal in a stage; ``ix_deal_stage_current`` lets a deal have one current
stay only, whatever two concurrent stage changes do. ``sales_order.deal_id`` names the deal an order closed,
unique: a deal is won into one order at most.

Revision ID: 0015_pipeline_deals
Revises: 0014_care_surveys
Create Date: 2026-12-04 01:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015_pipeline_deals'
down_revision: str | None = '0014_care_surveys'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS_STAGE = ("(status = 'open' AND stage NOT IN ('won', 'lost')) "
                "OR (status IN ('won', 'lost') AND stage = status)")


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('stage_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('lost_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('created_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_opportunity_created_by', 'app_user', ['created_by'], ['id'])
        batch_op.create_check_constraint('ck_opportunity_status_stage', STATUS_STAGE)
        batch_op.create_index('ix_opportunity_owner_status', ['owner_id', 'status'], unique=False)
        batch_op.create_index('ix_opportunity_tenant_status', ['tenant', 'status', 'expected_close'], unique=False)
        batch_op.create_index('ix_opportunity_open_close', ['expected_close'], unique=False,
                              postgresql_where=sa.text("status = 'open' AND deleted_at IS NULL"),
                              sqlite_where=sa.text("status = 'open' AND deleted_at IS NULL"))
    op.execute("UPDATE opportunity SET tenant = (SELECT customer.tenant FROM customer "
               "WHERE customer.id = opportunity.customer_id)")

    op.create_table('deal_stage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('entered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('entered_on', sa.Date(), nullable=False),
    sa.Column('left_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['deal_id'], ['opportunity.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deal_stage', schema=None) as batch_op:
        batch_op.create_index('ix_deal_stage_deal', ['deal_id', 'entered_at'], unique=False)
        batch_op.create_index('ix_deal_stage_current', ['deal_id'], unique=True,
                              postgresql_where=sa.text('left_at IS NULL'), sqlite_where=sa.text('left_at IS NULL'))
        batch_op.create_index('ix_deal_stage_open_since', ['entered_at'], unique=False,
                              postgresql_where=sa.text('left_at IS NULL'), sqlite_where=sa.text('left_at IS NULL'))
    # Deals open before this revision (none were written by crmbot) start their history now.
    op.execute("INSERT INTO deal_stage (deal_id, stage, entered_at, entered_on) "
               "SELECT id, stage, stage_since, CURRENT_DATE FROM opportunity")

    if dialect == "sqlite":
        # A plain ADD COLUMN (a nullable reference) instead of copying every order into a new table.
        op.execute("ALTER TABLE sales_order ADD COLUMN deal_id INTEGER REFERENCES opportunity (id)")
    else:
        op.add_column('sales_order', sa.Column('deal_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_sales_order_deal_id', 'sales_order', 'opportunity', ['deal_id'], ['id'])
    op.create_index('ix_order_deal', 'sales_order', ['deal_id'], unique=True,
                    postgresql_where=sa.text('deal_id IS NOT NULL'), sqlite_where=sa.text('deal_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_order_deal', table_name='sales_order')
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.drop_column('deal_id')
    op.drop_table('deal_stage')
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunity_open_close')
        batch_op.drop_index('ix_opportunity_tenant_status')
        batch_op.drop_index('ix_opportunity_owner_status')
        batch_op.drop_constraint('ck_opportunity_status_stage', type_='check')
        batch_op.drop_constraint('fk_opportunity_created_by', type_='foreignkey')
        for column in ('created_by', 'closed_at', 'lost_reason', 'stage_since', 'tenant'):
            batch_op.drop_column(column)
