"""recurring invoice day of month

``invoice.recurrence_day`` is the day of the month a recurring invoice's schedule keeps to, so
a schedule started on the 31st runs on the last day of shorter months and on the 31st again
after them (minimin/invoices/recurring.py). Existing schedules start NULL and keep moving from
their next date, as before.

Revision ID: ceaa8d493843
Revises: b6116f5d1e63
Create Date: 2026-11-27 08:39:10.454175

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ceaa8d493843'
down_revision = 'b6116f5d1e63'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: no table copy on SQLite (many tables reference invoice).
    op.add_column('invoice', sa.Column('recurrence_day', sa.SmallInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('recurrence_day')
