"""cars bought in the year become kept assets

The Self Assessment inputs of a tax year had one "car bought this year" (cost, CO2, new, business
share) beside the list of cars and equipment kept over several years (``capital_asset``). There
is now one way in: each such car is copied into ``capital_asset`` (bought in that tax year,
still kept) unless the same car (same owner, tax year bought and cost) is already there, and
the four columns and their checks are dropped from ``other_income``.

Downgrade puts the columns back empty (a car bought this year: none); the cars stay in
``capital_asset``, where the estimate reads them.

Revision ID: f3f949bc2142
Revises: 99548f2f54c7
Create Date: 2026-12-07 16:02:17.063050

"""
import uuid
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import minimin.core.db
from minimin.admin.views_sql import drop_statements, ensure_views


# revision identifiers, used by Alembic.
revision = 'f3f949bc2142'
down_revision = '99548f2f54c7'
branch_labels = None
depends_on = None

#: The amounts that must not be negative, before and after (the check is rebuilt without the
#: car's cost).
AMOUNTS = (
    'salary_pence', 'other_income_pence', 'tax_paid_pence', 'poa_made_pence',
    'savings_interest_pence', 'dividends_pence', 'pension_paid_pence', 'gift_aid_paid_pence',
    'loss_brought_forward_pence', 'student_loan_deducted_pence', 'child_benefit_pence',
    'equipment_pence', 'main_pool_pence', 'special_pool_pence',
)
AMOUNTS_WITH_CAR = AMOUNTS[:12] + ('car_cost_pence',) + AMOUNTS[12:]

other_income = sa.table(
    'other_income',
    sa.column('user_id', sa.Uuid()),
    sa.column('tax_year', sa.Integer()),
    sa.column('car_cost_pence', sa.BigInteger()),
    sa.column('car_co2_g_km', sa.Integer()),
    sa.column('car_new', sa.Boolean()),
    sa.column('car_business_percent', sa.Integer()),
)
capital_asset = sa.table(
    'capital_asset',
    sa.column('id', sa.Uuid()),
    sa.column('user_id', sa.Uuid()),
    sa.column('created_at', minimin.core.db.UTCDateTime(timezone=True)),
    sa.column('updated_at', minimin.core.db.UTCDateTime(timezone=True)),
    sa.column('description', sa.String(80)),
    sa.column('kind', sa.String(8)),
    sa.column('cost_pence', sa.BigInteger()),
    sa.column('co2_g_km', sa.Integer()),
    sa.column('new', sa.Boolean()),
    sa.column('business_percent', sa.Integer()),
    sa.column('bought_tax_year', sa.Integer()),
    sa.column('disposed_tax_year', sa.Integer()),
    sa.column('disposal_proceeds_pence', sa.BigInteger()),
)


def _without_admin_views(bind) -> bool:
    """SQLite copies a table to change it, and refuses to rename the copy while the admin
    statistics views name the table: drop them first (put back by ensure_views)."""
    if bind.dialect.name != 'sqlite':
        return False
    for sql in drop_statements():
        op.execute(sql)
    return True


def _amounts_check(columns) -> str:
    return ' AND '.join(f'{c} >= 0' for c in columns)


def copy_cars(bind) -> int:
    """Each car entered as "bought this year" becomes a kept asset of that tax year (its
    description left empty: the page then names it by its kind); a car already kept (same
    owner, tax year bought and cost) is not copied twice. Returns how many were copied."""
    cars = bind.execute(
        sa.select(
            other_income.c.user_id,
            other_income.c.tax_year,
            other_income.c.car_cost_pence,
            other_income.c.car_co2_g_km,
            other_income.c.car_new,
            other_income.c.car_business_percent,
        ).where(other_income.c.car_cost_pence > 0)
    ).all()
    kept = {
        (row.user_id, row.bought_tax_year, row.cost_pence)
        for row in bind.execute(
            sa.select(
                capital_asset.c.user_id, capital_asset.c.bought_tax_year, capital_asset.c.cost_pence
            ).where(capital_asset.c.kind == 'car')
        )
    }
    now = datetime.now(UTC)
    rows = [
        {
            'id': uuid.uuid4(),
            'user_id': car.user_id,
            'created_at': now,
            'updated_at': now,
            'description': '',
            'kind': 'car',
            'cost_pence': car.car_cost_pence,
            'co2_g_km': car.car_co2_g_km,
            'new': bool(car.car_new),
            'business_percent': car.car_business_percent,
            'bought_tax_year': car.tax_year,
            'disposed_tax_year': None,
            'disposal_proceeds_pence': 0,
        }
        for car in cars
        if (car.user_id, car.tax_year, car.car_cost_pence) not in kept
    ]
    if rows:
        bind.execute(capital_asset.insert(), rows)
    return len(rows)


def upgrade():
    bind = op.get_bind()
    copy_cars(bind)
    dropped = _without_admin_views(bind)
    with op.batch_alter_table('other_income', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_other_income_car_business_percent_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_other_income_car_co2_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_other_income_amounts_positive'), type_='check')
        batch_op.drop_column('car_cost_pence')
        batch_op.drop_column('car_new')
        batch_op.drop_column('car_business_percent')
        batch_op.drop_column('car_co2_g_km')
        batch_op.create_check_constraint('amounts_positive', _amounts_check(AMOUNTS))
    if dropped:
        ensure_views(bind)


def downgrade():
    bind = op.get_bind()
    dropped = _without_admin_views(bind)
    with op.batch_alter_table('other_income', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_other_income_amounts_positive'), type_='check')
        batch_op.add_column(sa.Column('car_cost_pence', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('car_co2_g_km', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('car_new', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('car_business_percent', sa.Integer(), nullable=False, server_default='100'))
        batch_op.create_check_constraint('amounts_positive', _amounts_check(AMOUNTS_WITH_CAR))
        batch_op.create_check_constraint(
            'car_business_percent_range', 'car_business_percent >= 0 AND car_business_percent <= 100'
        )
        batch_op.create_check_constraint('car_co2_positive', 'car_co2_g_km IS NULL OR car_co2_g_km >= 0')
    if dropped:
        ensure_views(bind)
