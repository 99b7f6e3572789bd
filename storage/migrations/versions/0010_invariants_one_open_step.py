"""the database enforces the "only one" invariants: one open next step per customer, one live shared card

``uq_followup_one_open_step``: at most one open (not done, not deleted) next step per customer, whatever the
interleaving of concurrent `log` commands or replicas. Before it is built, customers that already have several
open steps keep their newest one; the older ones are closed at the time the newest was logged (which is what
logging it should have done).

``shared_card.replaced_at`` and ``uq_shared_card_live``: sharing a customer again in a channel replaces the card
there, so a channel has at most one live card per customer (echoes and redraws go to live cards only; replies in
an older card's thread still find it). Older duplicates are marked replaced when the newest was shared.

Revision ID: 0010_invariants
Revises: 0009_identity
Create Date: 2026-12-03 14:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010_invariants'
down_revision: str | None = '0009_identity'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Exactly as the model renders it (and as ix_followup_open_due has it), so the planners match it.
OPEN_STEP = 'next_due_at IS NOT NULL AND done_at IS NULL AND deleted_at IS NULL'
LIVE_CARD = 'replaced_at IS NULL'
_NEWEST_OPEN = (
    'FROM followup newest WHERE newest.customer_id = followup.customer_id AND newest.next_due_at IS NOT NULL '
    'AND newest.done_at IS NULL AND newest.deleted_at IS NULL ORDER BY newest.happened_at DESC, newest.id DESC LIMIT 1'
)
_SAME_CHANNEL = (
    'FROM shared_card newest WHERE newest.customer_id = shared_card.customer_id AND newest.platform = '
    'shared_card.platform AND newest.workspace = shared_card.workspace AND newest.channel = shared_card.channel'
)


def upgrade() -> None:
    op.execute(
        f'UPDATE followup SET done_at = (SELECT newest.happened_at {_NEWEST_OPEN}) '
        f'WHERE {OPEN_STEP} AND id <> (SELECT newest.id {_NEWEST_OPEN})'
    )
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index('uq_followup_one_open_step', ['customer_id'], unique=True,
                              postgresql_where=sa.text(OPEN_STEP), sqlite_where=sa.text(OPEN_STEP))
    with op.batch_alter_table('shared_card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute(
        f'UPDATE shared_card SET replaced_at = (SELECT max(newest.created_at) {_SAME_CHANNEL}) '
        f'WHERE id <> (SELECT max(newest.id) {_SAME_CHANNEL})'
    )
    with op.batch_alter_table('shared_card', schema=None) as batch_op:
        batch_op.create_index('uq_shared_card_live', ['customer_id', 'platform', 'workspace', 'channel'], unique=True,
                              postgresql_where=sa.text(LIVE_CARD), sqlite_where=sa.text(LIVE_CARD))


def downgrade() -> None:
    with op.batch_alter_table('shared_card', schema=None) as batch_op:
        batch_op.drop_index('uq_shared_card_live', postgresql_where=sa.text(LIVE_CARD),
                            sqlite_where=sa.text(LIVE_CARD))
        batch_op.drop_column('replaced_at')
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_index('uq_followup_one_open_step', postgresql_where=sa.text(OPEN_STEP),
                            sqlite_where=sa.text(OPEN_STEP))
