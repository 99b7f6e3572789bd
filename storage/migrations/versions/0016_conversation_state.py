"""conversation state: a prompt awaiting a person's next message, and recent group sends

``app_user.prompt_*``: ``跟进 <customer>`` without a note asks for it, and the person's next message in that
conversation is the note, whichever replica receives it (kept on the user's row, which every command reads,
so no command pays a statement to learn that nothing is pending; one prompt per person by construction).
``group_send``: the messages sent into each group during the last minute, counted by every replica before
sending (a platform's per-group rate limit is per group, not per process).

Revision ID: 0016_conv_state
Revises: 0015_pipeline_deals
Create Date: 2026-12-04 01:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0016_conv_state'
down_revision: str | None = '0015_pipeline_deals'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROMPT_COLUMNS = ('prompt_command', 'prompt_customer_id', 'prompt_platform', 'prompt_channel', 'prompt_expires_at')


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite cannot recreate app_user while other tables reference it.
    op.add_column('app_user', sa.Column('prompt_command', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    op.add_column('app_user', sa.Column('prompt_customer_id', sa.Integer(), nullable=True))
    op.add_column('app_user', sa.Column('prompt_platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.add_column('app_user', sa.Column('prompt_channel', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    op.add_column('app_user', sa.Column('prompt_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_table(
        'group_send',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=240), nullable=False),
        sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_group_send_target', 'group_send', ['target', 'sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_group_send_target', table_name='group_send')
    op.drop_table('group_send')
    # Native DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of app_user would break its foreign keys.
    for column in reversed(PROMPT_COLUMNS):
        op.execute(sa.text(f"ALTER TABLE app_user DROP COLUMN {column}"))
