"""service: tickets and their timeline, saved segments, campaigns, automation runs

``ticket`` holds complaints and requests (``T<id>``) with a deadline; a closed ticket has its resolution (check
constraint) and open tickets are found by deadline through a partial index (the overdue alerts' scan).
``ticket_event`` is a ticket's timeline. ``segment`` keeps named filters, unique per author. ``campaign`` names a
run of next steps over a segment, unique per tenant; ``followup.campaign_id`` ties each step to its campaign. ``automation_run`` is the exactly-once key of an automation
rule's firing.

Revision ID: 0017_service
Revises: 0016_conv_state
Create Date: 2026-12-04 01:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0017_service'
down_revision: str | None = '0016_conv_state'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_TICKET = 'closed_at IS NULL'
CAMPAIGN_STEP = 'campaign_id IS NOT NULL'
_S = sqlmodel.sql.sqltypes.AutoString
_T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'ticket',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant', _S(length=120), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('kind', _S(length=16), nullable=False),
        sa.Column('priority', _S(length=8), nullable=False),
        sa.Column('text', _S(length=2000), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', _T(), nullable=False),
        sa.Column('due_at', _T(), nullable=False),
        sa.Column('closed_at', _T(), nullable=True),
        sa.Column('closed_by', sa.Integer(), nullable=True),
        sa.Column('resolution', _S(length=1000), nullable=True),
        sa.Column('reopened', sa.Integer(), nullable=False),
        sa.Column('updated_at', _T(), nullable=False),
        sa.CheckConstraint("kind IN ('complaint', 'request')", name='ck_ticket_kind'),
        sa.CheckConstraint("priority IN ('high', 'normal', 'low')", name='ck_ticket_priority'),
        sa.CheckConstraint('closed_at IS NULL OR resolution IS NOT NULL', name='ck_ticket_closed_resolved'),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.ForeignKeyConstraint(['assignee_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['closed_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_ticket_open_due', 'ticket', ['due_at'], postgresql_where=sa.text(OPEN_TICKET),
                    sqlite_where=sa.text(OPEN_TICKET))
    op.create_index('ix_ticket_customer', 'ticket', ['customer_id', 'closed_at'])
    op.create_index('ix_ticket_assignee', 'ticket', ['assignee_id', 'closed_at'])
    op.create_index('ix_ticket_tenant_closed', 'ticket', ['tenant', 'closed_at'])
    op.create_table(
        'ticket_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('action', _S(length=8), nullable=False),
        sa.Column('text', _S(length=2000), nullable=True),
        sa.Column('at', _T(), nullable=False),
        sa.CheckConstraint("action IN ('open', 'note', 'assign', 'close', 'reopen')", name='ck_ticket_event_action'),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id']),
        sa.ForeignKeyConstraint(['author_id'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_ticket_event_ticket', 'ticket_event', ['ticket_id', 'at'])
    op.create_table(
        'segment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant', _S(length=120), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('name', _S(length=80), nullable=False),
        sa.Column('name_key', _S(length=80), nullable=False),
        sa.Column('filters', _S(length=2000), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('created_at', _T(), nullable=False),
        sa.Column('updated_at', _T(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['team_id'], ['team.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant', 'author_id', 'name_key', name='uq_segment_author_name'),
    )
    op.create_index('ix_segment_team', 'segment', ['tenant', 'team_id'])
    op.create_table(
        'campaign',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant', _S(length=120), nullable=False),
        sa.Column('name', _S(length=80), nullable=False),
        sa.Column('name_key', _S(length=80), nullable=False),
        sa.Column('segment_id', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('step', _S(length=500), nullable=False),
        sa.Column('created_at', _T(), nullable=False),
        sa.Column('targeted', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['segment_id'], ['segment.id']),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant', 'name_key', name='uq_campaign_name'),
    )
    op.create_table(
        'automation_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule', _S(length=60), nullable=False),
        sa.Column('event', _S(length=32), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('occasion', sa.Date(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('created_at', _T(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('rule', 'event', 'subject_id', 'occasion', name='uq_automation_run_occasion'),
    )
    # A plain ADD COLUMN (no batch copy of followup, which other tables reference); SQLite takes the REFERENCES
    # clause of an added column whose default is NULL.
    if op.get_context().dialect.name == 'sqlite':
        op.execute(sa.text('ALTER TABLE followup ADD COLUMN campaign_id INTEGER REFERENCES campaign (id)'))
    else:
        op.add_column('followup', sa.Column('campaign_id', sa.Integer(), sa.ForeignKey('campaign.id'), nullable=True))
    op.create_index('ix_followup_campaign', 'followup', ['campaign_id'], postgresql_where=sa.text(CAMPAIGN_STEP),
                    sqlite_where=sa.text(CAMPAIGN_STEP))


def downgrade() -> None:
    op.drop_index('ix_followup_campaign', table_name='followup')
    op.execute(sa.text('ALTER TABLE followup DROP COLUMN campaign_id'))
    op.drop_table('automation_run')
    op.drop_table('campaign')
    op.drop_index('ix_segment_team', table_name='segment')
    op.drop_table('segment')
    op.drop_index('ix_ticket_event_ticket', table_name='ticket_event')
    op.drop_table('ticket_event')
    for name in ('ix_ticket_tenant_closed', 'ix_ticket_assignee', 'ix_ticket_customer', 'ix_ticket_open_due'):
        op.drop_index(name, table_name='ticket')
    op.drop_table('ticket')
