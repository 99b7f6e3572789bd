"""indexes for find by a contact's name, the region and the tier

``find`` also looks up customers through a contact's name (``find 张伟``), their region (``find 上海``) and
tier (``find vip``), ranked after name matches. Each is an equality or prefix look-up, so each gets its index;
a manager's or an admin's search never scans the customer or contact table for them.

Revision ID: 0008_find
Revises: 0007_catch_up
Create Date: 2026-12-03 15:00:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0008_find'
down_revision: str | None = '0007_catch_up'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain CREATE INDEX (no batch mode): the customer table keeps its trigram triggers as they are.
    op.create_index('ix_customer_tenant_region', 'customer', ['tenant', 'region'], unique=False)
    op.create_index('ix_customer_tenant_tier', 'customer', ['tenant', 'tier'], unique=False)
    op.create_index('ix_contact_name', 'contact', ['name'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_contact_name', table_name='contact')
    op.drop_index('ix_customer_tenant_tier', table_name='customer')
    op.drop_index('ix_customer_tenant_region', table_name='customer')
