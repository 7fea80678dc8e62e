"""admin statistics views

The admin area reads aggregates through these views, which expose no personal column
(docs/design-rules.md, rule 5; see minimin/admin/views_sql.py).

Revision ID: 5b7a1c2d3e4f
Revises: 04962068a5af
Create Date: 2026-11-26 23:10:00
"""

from alembic import op

from minimin.admin.views_sql import create_statements, drop_statements

revision = "5b7a1c2d3e4f"
down_revision = "04962068a5af"
branch_labels = None
depends_on = None


def upgrade():
    for statement in create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    for statement in drop_statements():
        op.execute(statement)
