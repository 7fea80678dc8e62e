"""bank transaction contacts by user

``bank_transaction.contacts_by_user`` is true once the user has chosen a transaction's client
and agency (or cleared them) on its page; rules applied later no longer fill them in. Existing
transactions start false, as before this change (their contacts came from rules or imports).

Revision ID: 0320f2b682be
Revises: 8762796d822d
Create Date: 2026-11-27 05:14:59.450434

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0320f2b682be'
down_revision = '8762796d822d'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN with a constant default: no table copy on SQLite.
    op.add_column(
        'bank_transaction',
        sa.Column('contacts_by_user', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    # ALTER TABLE ... DROP COLUMN directly (SQLite 3.35+ and PostgreSQL), never a batch copy:
    # on SQLite a copy drops the table, which would cascade to its matches.
    op.drop_column('bank_transaction', 'contacts_by_user')
