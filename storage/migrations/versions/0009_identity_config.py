"""identity: platform-reported e-mail per identity, roles that follow the config

Revision ID: 0009_identity
Revises: 0008_find
Create Date: 2026-12-03 14:20:00

Existing users keep every customer; anyone who holds a role or a team today got it from the config (the
only source there was), so they are marked as config-managed and the next start applies the config to them
(including removals).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009_identity'
down_revision: str | None = '0008_find'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite cannot recreate app_user while other tables reference it.
    op.add_column('app_user', sa.Column('roles_from_config', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('user_identity', sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True))
    op.create_index('ix_user_identity_email', 'user_identity', ['email'], unique=False)
    op.execute(sa.text("UPDATE app_user SET roles_from_config = :yes WHERE role <> 'rep' OR team_id IS NOT NULL")
               .bindparams(yes=True))


def downgrade() -> None:
    op.drop_index('ix_user_identity_email', table_name='user_identity')
    # Native DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of app_user would break its foreign keys.
    op.execute(sa.text("ALTER TABLE user_identity DROP COLUMN email"))
    op.execute(sa.text("ALTER TABLE app_user DROP COLUMN roles_from_config"))
