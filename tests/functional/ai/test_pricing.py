"""Anonymous job pricing: contributions without names, k-anonymous figures on /ai/pricing,
rows gone on withdrawal and on account deletion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from minimin.privacy.inputs import ConsentInput
from tests.functional.ai.conftest import give, withdraw


def _contributor(app: Any, make_user: Any, day_rate: int) -> Any:
    from minimin.ai import pricing
    from minimin.extensions import db
    from minimin.jobs import services as jobs
    from minimin.privacy import consent

    user = make_user()
    with app.app_context():
        jobs.create_job(
            user.id,
            jobs.JobInput(
                title="Secret Client Spring Shoot",
                kind_of_work="commercial",
                location="Shoreditch, London",
                dates=[jobs.DateInput(day=date(2026, 3, 3))],
                fee_lines=[
                    jobs.FeeLineInput(
                        kind="day_rate", quantity=Decimal(1), unit_amount_pence=day_rate
                    )
                ],
            ),
            status="confirmed",
        )
        consent.set_consent(user.id, ConsentInput("ai_pricing", granted=True))
        pricing.contribute(user.id)
        db.session.commit()
    return user


def test_figures_appear_only_from_ten_contributors(
    app: Any, make_user: Any, user_client: Any, db: Any
) -> None:
    for n in range(9):
        _contributor(app, make_user, 50_000 + 500 * n)
    give(user_client, "ai_pricing")
    url = "/ai/pricing?kind=commercial&region=london"
    assert "Too few people" in user_client.get(url).get_data(as_text=True)
    _contributor(app, make_user, 60_000)
    page = user_client.get(url).get_data(as_text=True)
    assert "a quarter charge under" in page
    # Nothing in the pool names anyone or anything.
    rows = db.session.execute(sa.text("SELECT * FROM ai_pricing_contribution")).mappings().all()
    assert len(rows) == 10
    assert "user_id" not in rows[0]
    text = str(rows)
    assert "Secret Client" not in text and "Shoreditch" not in text and "2026-03-03" not in text
    assert {row["region"] for row in rows} == {"london"}
    # Beside the fees of the job form, for a commercial job in London.
    from minimin.jobs import services as jobs

    job = jobs.create_job(
        user_client.user.id,
        jobs.JobInput(
            title="Mine",
            kind_of_work="commercial",
            location="London",
            dates=[jobs.DateInput(day=date(2026, 5, 1))],
        ),
    )
    db.session.commit()
    form = user_client.get(f"/jobs/{job.id}/edit").get_data(as_text=True)
    assert "Others charge for this kind of work in this region" in form


def test_withdrawal_and_deletion_remove_contributions(
    app: Any, make_user: Any, user_client: Any, db: Any
) -> None:
    from minimin.privacy import deletion

    other = _contributor(app, make_user, 55_000)
    give(user_client, "ai_pricing")
    assert db.session.execute(sa.text("SELECT count(*) FROM ai_pricing_contribution")).scalar() == 1
    deletion.delete_account(other.id)
    db.session.commit()
    assert db.session.execute(sa.text("SELECT count(*) FROM ai_pricing_contribution")).scalar() == 0

    from minimin.jobs import services as jobs

    jobs.create_job(
        user_client.user.id,
        jobs.JobInput(
            title="Mine",
            kind_of_work="editorial",
            dates=[jobs.DateInput(day=date(2026, 4, 1))],
            fee_lines=[
                jobs.FeeLineInput(kind="half_day", quantity=Decimal(1), unit_amount_pence=20_000)
            ],
        ),
        status="completed",
    )
    db.session.commit()
    response = user_client.submit("/ai/pricing/contribute", {}, form_page="/ai/pricing")
    assert response.status_code == 302
    row = db.session.execute(
        sa.text("SELECT basis, day_rate_pence FROM ai_pricing_contribution")
    ).one()
    assert tuple(row) == ("half_day", 40_000)
    db.session.rollback()
    withdraw(user_client, "ai_pricing")
    assert db.session.execute(sa.text("SELECT count(*) FROM ai_pricing_contribution")).scalar() == 0
