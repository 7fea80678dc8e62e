"""invoice refunds

Credit notes may now be issued on invoices that are already paid or part paid; the part of a
credit above what was still outstanding is owed back to the customer. ``invoice_refund``
records that money going back (date, amount, method, note), linked to its invoice and to the
credit note it refunds, so the cash basis and VAT cash accounting can count it on its date.
``invoice.refunded_pence`` keeps the running total beside ``paid_pence`` and
``credited_pence``; existing invoices start at 0 (nothing was ever refunded). Reports read
refunds by (user_id, refunded_on).

The column is dropped without a batch copy of ``invoice``: on SQLite a copy would drop the
table, and with foreign keys on that would cascade to its lines, payments and credit notes.

Revision ID: 105a9e4a719b
Revises: fde63b22884f
Create Date: 2026-11-27 01:36:25.882416

"""
from alembic import op
import sqlalchemy as sa
import minimin.core.db


# revision identifiers, used by Alembic.
revision = '105a9e4a719b'
down_revision = 'fde63b22884f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoice_refund',
    sa.Column('invoice_id', sa.Uuid(), nullable=False),
    sa.Column('credit_note_id', sa.Uuid(), nullable=True),
    sa.Column('refunded_on', sa.Date(), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', minimin.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', minimin.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('amount_pence > 0', name=op.f('ck_invoice_refund_amount_positive')),
    sa.ForeignKeyConstraint(['credit_note_id'], ['credit_note.id'], name=op.f('fk_invoice_refund_credit_note_id_credit_note'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_refund_invoice_id_invoice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_invoice_refund_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_refund'))
    )
    with op.batch_alter_table('invoice_refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_refund_credit_note_id'), ['credit_note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_refund_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_refund_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_invoice_refund_user_id_refunded_on', ['user_id', 'refunded_on'], unique=False)

    # A plain ADD COLUMN with a constant default: no table copy on SQLite.
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refunded_pence', sa.BigInteger(), server_default='0', nullable=False))


def downgrade():
    # ALTER TABLE ... DROP COLUMN directly (SQLite 3.35+ and PostgreSQL), never a batch copy.
    op.drop_column('invoice', 'refunded_pence')

    with op.batch_alter_table('invoice_refund', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_refund_user_id_refunded_on')
        batch_op.drop_index(batch_op.f('ix_invoice_refund_user_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_refund_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_refund_credit_note_id'))

    op.drop_table('invoice_refund')
