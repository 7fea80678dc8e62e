"""usage renewals

``job_fee_line.renewed_by_job_id`` names the job that bills the renewal of a usage / buyout
licence (minimin/jobs/renewal.py): a renewed line is not renewed twice and gets no more expiry
reminders. Existing lines start NULL (none was renewed). Deleting the renewal job sets it back
to NULL (ON DELETE SET NULL), so the line can be renewed again.

SQLite cannot add a foreign key to an existing table, so there the batch operations copy
``job_fee_line``. The copy is safe: no table references ``job_fee_line``, so dropping the old
table cascades to nothing.

Revision ID: b6116f5d1e63
Revises: 0320f2b682be
Create Date: 2026-11-27 08:01:21.278272

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6116f5d1e63'
down_revision = '0320f2b682be'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_fee_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewed_by_job_id', sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_job_fee_line_renewed_by_job_id'), ['renewed_by_job_id'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_job_fee_line_renewed_by_job_id_job'),
            'job',
            ['renewed_by_job_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('job_fee_line', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_job_fee_line_renewed_by_job_id_job'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_job_fee_line_renewed_by_job_id'))
        batch_op.drop_column('renewed_by_job_id')
