"""change counters

``change_counter`` holds, per user and kind of record ("invoices", "jobs"), a number raised in
the same transaction as every change to those records. Figures computed over all of a user's
records (the counts and ageing above the invoice list, a job list's count and gross) are kept
in the application until that number changes. Nothing personal is stored: a user id, a kind and
a count. New table only; no existing data changes.

Revision ID: 8762796d822d
Revises: 105a9e4a719b
Create Date: 2026-11-27 04:51:47.350405

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8762796d822d'
down_revision = '105a9e4a719b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('change_counter',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_change_counter_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_counter')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_change_counter_user_id_kind'))
    )


def downgrade():
    op.drop_table('change_counter')
