"""followup.source_url: the link of the chat message a follow-up was logged from

The Slack message shortcut "Log to customer" records the message's permalink with the follow-up it makes;
`followups` shows it. Nullable: typed follow-ups have none.

Revision ID: 0019_followup_source_url
Revises: 0018_public_pool
Create Date: 2026-12-04 02:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0019_followup_source_url'
down_revision: str | None = '0018_public_pool'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('followup', sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not a batch copy: recreating `followup` would write its foreign keys
    # out as table constraints, which the earlier revisions' own plain drops could then not undo.
    op.drop_column('followup', 'source_url')
