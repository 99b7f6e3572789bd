"""customer care: survey links, their answers, and the server secret that signs them

``survey_invite``: one row per survey link (customer, optional contact / order / generic source, the scale,
the language, expiry, and ``answered_at`` set once by the answer). ``app_secret``: the signing key, generated
once and shared by every replica. ``satisfaction`` gains the invite (unique: one answer per link), the
contact, the scale, whether the score was low when it came in, and the generic source reference.

Revision ID: 0014_care_surveys
Revises: 0013_sched_bigrams
Create Date: 2026-12-04 01:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014_care_surveys'
down_revision: str | None = '0013_sched_bigrams'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'app_secret',
        sa.Column('name', _STR(length=40), nullable=False),
        sa.Column('value', _STR(length=128), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'survey_invite',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant', _STR(length=120), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('source_kind', _STR(length=24), nullable=True),
        sa.Column('source_id', sa.Integer(), nullable=True),
        sa.Column('nonce', _STR(length=32), nullable=False),
        sa.Column('scale', _STR(length=8), nullable=False),
        sa.Column('lang', _STR(length=8), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.CheckConstraint("scale IN ('five', 'nps')", name='ck_survey_invite_scale'),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id']),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.ForeignKeyConstraint(['order_id'], ['sales_order.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_survey_invite_customer', 'survey_invite', ['customer_id', 'created_at'])
    with op.batch_alter_table('satisfaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invite_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('contact_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scale', _STR(length=8), nullable=False, server_default='five'))
        batch_op.add_column(sa.Column('low', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('source_kind', _STR(length=24), nullable=True))
        batch_op.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answered_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key('fk_satisfaction_invite', 'survey_invite', ['invite_id'], ['id'])
        batch_op.create_foreign_key('fk_satisfaction_contact', 'contact', ['contact_id'], ['id'])
        batch_op.create_index('ix_satisfaction_customer_created', ['customer_id', 'created_at'])
        batch_op.create_index('uq_satisfaction_invite', ['invite_id'], unique=True)
        batch_op.create_index('ix_satisfaction_low_created', ['created_at'],
                              postgresql_where=sa.text('low'), sqlite_where=sa.text('low'))
    with op.batch_alter_table('satisfaction', schema=None) as batch_op:
        batch_op.alter_column('scale', server_default=None)
        batch_op.alter_column('low', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('satisfaction', schema=None) as batch_op:
        batch_op.drop_index('ix_satisfaction_low_created')
        batch_op.drop_index('uq_satisfaction_invite')
        batch_op.drop_index('ix_satisfaction_customer_created')
        batch_op.drop_constraint('fk_satisfaction_contact', type_='foreignkey')
        batch_op.drop_constraint('fk_satisfaction_invite', type_='foreignkey')
        for name in ('answered_on', 'source_id', 'source_kind', 'low', 'scale', 'contact_id', 'invite_id'):
            batch_op.drop_column(name)
    op.drop_index('ix_survey_invite_customer', table_name='survey_invite')
    op.drop_table('survey_invite')
    op.drop_table('app_secret')
