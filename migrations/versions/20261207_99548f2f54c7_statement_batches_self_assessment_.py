"""statement batches, self assessment inputs, outbox stages, payment intent per user

Bank lines get the statement batch entry that counts their bank side (lines already stored
keep posting it in their own entries, so nothing is re-posted); the Self Assessment inputs
for the basis period reform, loss relief and assets kept over several years; the outbox's
sending stage; and Stripe payment intent ids unique per user rather than across users.

Revision ID: 99548f2f54c7
Revises: ab14429d0850
Create Date: 2026-12-07 13:42:37.848478

"""
from alembic import op
import sqlalchemy as sa
import minimin.core.db
from minimin.admin.views_sql import drop_statements, ensure_views


def _without_admin_views(bind) -> bool:
    """SQLite copies a table to change it, and refuses to rename the copy while the admin
    statistics views name the table: drop them first (put back by ensure_views)."""
    if bind.dialect.name != 'sqlite':
        return False
    for sql in drop_statements():
        op.execute(sql)
    return True


def add_ledger_batch_column(bind) -> None:
    """``bank_transaction.ledger_batch_id`` and its index, unless they exist already."""
    if 'ledger_batch_id' in {c['name'] for c in sa.inspect(bind).get_columns('bank_transaction')}:
        return
    with op.batch_alter_table('bank_transaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ledger_batch_id', sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_bank_transaction_ledger_batch_id'), ['ledger_batch_id'], unique=False
        )


# revision identifiers, used by Alembic.
revision = '99548f2f54c7'
down_revision = 'ab14429d0850'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    dropped = _without_admin_views(bind)
    op.create_table('capital_asset',
    sa.Column('description', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('cost_pence', sa.BigInteger(), nullable=False),
    sa.Column('co2_g_km', sa.Integer(), nullable=True),
    sa.Column('new', sa.Boolean(), nullable=False),
    sa.Column('business_percent', sa.Integer(), nullable=False),
    sa.Column('bought_tax_year', sa.Integer(), nullable=False),
    sa.Column('disposed_tax_year', sa.Integer(), nullable=True),
    sa.Column('disposal_proceeds_pence', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', minimin.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', minimin.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("kind IN ('car', 'plant')", name=op.f('ck_capital_asset_kind_known')),
    sa.CheckConstraint('bought_tax_year >= 1900 AND bought_tax_year <= 2100', name=op.f('ck_capital_asset_bought_tax_year_range')),
    sa.CheckConstraint('business_percent >= 0 AND business_percent <= 100', name=op.f('ck_capital_asset_business_percent_range')),
    sa.CheckConstraint('co2_g_km IS NULL OR co2_g_km >= 0', name=op.f('ck_capital_asset_co2_positive')),
    sa.CheckConstraint('cost_pence >= 0 AND disposal_proceeds_pence >= 0', name=op.f('ck_capital_asset_amounts_positive')),
    sa.CheckConstraint('disposed_tax_year IS NULL OR disposed_tax_year >= bought_tax_year', name=op.f('ck_capital_asset_disposed_after_bought')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_capital_asset_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capital_asset'))
    )
    with op.batch_alter_table('capital_asset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capital_asset_user_id'), ['user_id'], unique=False)

    # Added by the previous revision's data step when it ran with this code (see there).
    add_ledger_batch_column(op.get_bind())

    with op.batch_alter_table('invoice_payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_invoice_payment_stripe_payment_intent_id'), type_='unique')
        batch_op.create_unique_constraint('uq_invoice_payment_user_id_stripe_payment_intent_id', ['user_id', 'stripe_payment_intent_id'])

    with op.batch_alter_table('other_income', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transition_profit_pence', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('transition_accelerated_pence', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('accounting_end_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('accounting_end_day', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('later_period_profit_pence', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('loss_relief', sa.String(length=24), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('trade_start_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prior_income_1_pence', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('prior_income_2_pence', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('prior_income_3_pence', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.create_check_constraint(
            'reform_amounts_positive',
            'transition_profit_pence >= 0 AND transition_accelerated_pence >= 0 AND '
            'prior_income_1_pence >= 0 AND prior_income_2_pence >= 0 AND prior_income_3_pence >= 0',
        )
        batch_op.create_check_constraint(
            'accounting_date_range',
            '(accounting_end_month IS NULL AND accounting_end_day IS NULL) OR '
            '(accounting_end_month BETWEEN 1 AND 12 AND accounting_end_day BETWEEN 1 AND 31)',
        )
        batch_op.create_check_constraint(
            'loss_relief_known',
            "loss_relief IN ('', 'current', 'previous', 'current_previous', "
            "'previous_current', 'early')",
        )
        batch_op.create_check_constraint(
            'trade_start_year_range',
            'trade_start_year IS NULL OR (trade_start_year >= 1900 AND trade_start_year <= 2100)',
        )

    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_stage', sa.String(length=16), nullable=True))
    if dropped:
        ensure_views(bind)


def downgrade():
    bind = op.get_bind()
    dropped = _without_admin_views(bind)
    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.drop_column('sending_stage')

    with op.batch_alter_table('other_income', schema=None) as batch_op:
        for name in ('trade_start_year_range', 'loss_relief_known', 'accounting_date_range',
                     'reform_amounts_positive'):
            batch_op.drop_constraint(op.f(f'ck_other_income_{name}'), type_='check')
        batch_op.drop_column('prior_income_3_pence')
        batch_op.drop_column('prior_income_2_pence')
        batch_op.drop_column('prior_income_1_pence')
        batch_op.drop_column('trade_start_year')
        batch_op.drop_column('loss_relief')
        batch_op.drop_column('later_period_profit_pence')
        batch_op.drop_column('accounting_end_day')
        batch_op.drop_column('accounting_end_month')
        batch_op.drop_column('transition_accelerated_pence')
        batch_op.drop_column('transition_profit_pence')

    with op.batch_alter_table('invoice_payment', schema=None) as batch_op:
        batch_op.drop_constraint('uq_invoice_payment_user_id_stripe_payment_intent_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_invoice_payment_stripe_payment_intent_id'), ['stripe_payment_intent_id'])

    with op.batch_alter_table('bank_transaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_transaction_ledger_batch_id'))
        batch_op.drop_column('ledger_batch_id')

    with op.batch_alter_table('capital_asset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capital_asset_user_id'))

    op.drop_table('capital_asset')
    if dropped:
        ensure_views(bind)
