"""invoice list index

The invoice list's order (drafts first, then by number, newest first) read straight off an
index on (user_id, sequence, created_at), so a page needs no sort of all the user's invoices.

Revision ID: fde63b22884f
Revises: bea851a1f85c
Create Date: 2026-11-27 00:58:30.552845

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'fde63b22884f'
down_revision = 'bea851a1f85c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.create_index(
            'ix_invoice_user_id_sequence', ['user_id', 'sequence', 'created_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_user_id_sequence')
