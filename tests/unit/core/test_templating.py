"""Template filters for money and dates: the same text as flask_babel and Babel give, in the
reader's locale, with the locale read once per render."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import flask_babel
import pytest
from flask import Flask, render_template_string
from hypothesis import given
from hypothesis import strategies as st

from minimin.app import create_app
from minimin.core.money import Money
from minimin.core.templating import money, money_value, uk_date, uk_datetime

DATE_FORMATS = ["short", "medium", "long", "full", "MMMM y", "d MMM", "EEEE d MMMM y"]


@pytest.fixture(scope="module")
def formatting_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The real app; these tests format values and never touch the database."""
    instance = tmp_path_factory.mktemp("templating")
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'unused.sqlite3'}"},
        mode="testing",
        instance_path=Path(instance),
    )


def reader(app: Flask, locale: str) -> Any:
    """A request from a reader who chose *locale* (the language cookie)."""
    return app.test_request_context("/", headers={"Cookie": f"lang={locale}"})


# --------------------------------------------------------------------------- dates


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    fmt=st.sampled_from(DATE_FORMATS),
    locale=st.sampled_from(["en_GB", "cy"]),
)
def test_uk_date_is_flask_babels_format_date(
    formatting_app: Flask, day: date, fmt: str, locale: str
) -> None:
    with reader(formatting_app, locale):
        assert uk_date(day, fmt) == flask_babel.format_date(day, fmt)
        assert uk_date(day, fmt) == uk_date(day, fmt)  # the memoised answer is the same


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 6, 30, 23, 30, tzinfo=UTC),  # 00:30 on 1 July in London (BST)
        datetime(2025, 1, 30, 23, 30, tzinfo=UTC),  # still 30 January in London (GMT)
        datetime(2025, 3, 30, 0, 30, tzinfo=UTC),  # the night the clocks go forward
        datetime(2025, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=5))),  # 31 Dec in London
        datetime(2025, 6, 30, 23, 30),  # naive: taken as UTC, as flask_babel does
    ],
)
@pytest.mark.parametrize("locale", ["en_GB", "cy"])
def test_uk_date_of_a_datetime_is_its_date_in_the_users_timezone(
    formatting_app: Flask, moment: datetime, locale: str
) -> None:
    with reader(formatting_app, locale):
        for fmt in ("medium", "full"):
            assert uk_date(moment, fmt) == flask_babel.format_date(moment, fmt)
    with reader(formatting_app, "cy"):
        assert uk_date(datetime(2025, 6, 30, 23, 30, tzinfo=UTC)) == "1 Gorff 2025"


def test_uk_datetime_is_unchanged(formatting_app: Flask) -> None:
    moment = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)
    for locale in ("en_GB", "cy"):
        with reader(formatting_app, locale):
            assert uk_datetime(moment) == flask_babel.format_datetime(moment, "medium")
            assert uk_datetime(moment, "short") == flask_babel.format_datetime(moment, "short")


def test_nothing_shows_as_an_empty_string(formatting_app: Flask) -> None:
    with reader(formatting_app, "cy"):
        assert uk_date(None) == uk_datetime(None) == money(None) == money_value(None) == ""
        assert render_template_string("{{ none|uk_date }}|{{ none|money }}", none=None) == "|"


# --------------------------------------------------------------------------- money


def test_money_follows_the_readers_locale(formatting_app: Flask) -> None:
    with reader(formatting_app, "cy"):
        assert money(123450) == "£1,234.50"
        assert money(-300, "EUR") == "-€3.00"
        assert money(1500, "JPY") == "JP¥1,500"
        assert money_value(Money.of("-0.005")) == "-£0.01"


# --------------------------------------------------------------------------- through templates

PAGE = (
    "{{ day|uk_date }}|{{ day|uk_date('MMMM y') }}|{{ pence|money }}|"
    "{{ pence|money('BHD') }}|{{ amount|money_value }}|{{ moment|uk_date('full') }}"
)
VALUES: dict[str, Any] = {
    "day": date(2026, 3, 14),
    "pence": -123456789,
    "amount": Money.of("1234.565", "USD"),
    "moment": datetime(2026, 6, 30, 23, 30, tzinfo=UTC),  # 1 July in London (BST)
}
WELSH = (
    "14 Maw 2026|Mawrth 2026|-£1,234,567.89|-BHD123,456.789|US$1,234.57|"
    "Dydd Mercher, 1 Gorffennaf 2026"
)
ENGLISH = "14 Mar 2026|March 2026|-£1,234,567.89|-BHD123,456.789|US$1,234.57|Wednesday, 1 July 2026"


@pytest.mark.parametrize(("locale", "expected"), [("cy", WELSH), ("en_GB", ENGLISH)])
def test_filters_render_in_the_readers_language(
    formatting_app: Flask, locale: str, expected: str
) -> None:
    with reader(formatting_app, locale):
        assert render_template_string(PAGE, **VALUES) == expected
        # The same as going through flask_babel and Babel on every call.
        day, moment = VALUES["day"], VALUES["moment"]
        assert expected.split("|")[0] == flask_babel.format_date(day)
        assert expected.split("|")[5] == flask_babel.format_date(moment, "full")


def test_filters_read_the_locale_of_the_render_not_of_each_call(formatting_app: Flask) -> None:
    # The context processor puts the reader's locale into the render once; the filters use it.
    with reader(formatting_app, "en_GB"):
        assert render_template_string(PAGE, minimin_format_locale="cy", **VALUES) == WELSH


def test_templates_rendered_without_the_context_processor_still_follow_the_reader(
    formatting_app: Flask,
) -> None:
    with reader(formatting_app, "cy"):
        # Straight from the Jinja environment: no Flask context processors ran.
        template = formatting_app.jinja_env.from_string(PAGE)
        assert template.render(**VALUES) == WELSH
        # A macro imported without context sees none of the render's variables.
        job = {"starts_on": date(2026, 3, 14), "ends_on": date(2026, 4, 2)}
        source = '{% from "jobs/_macros.html" import job_dates %}{{ job_dates(job) }}'
        assert render_template_string(source, job=job).strip() == "14 Maw 2026 – 2 Ebr 2026"


def test_a_locale_changed_during_the_request_applies_to_the_next_render(
    formatting_app: Flask,
) -> None:
    with reader(formatting_app, "en_GB"):
        assert render_template_string("{{ day|uk_date }}", day=date(2026, 3, 14)) == "14 Mar 2026"
        with flask_babel.force_locale("cy"):
            assert (
                render_template_string("{{ day|uk_date }}", day=date(2026, 3, 14)) == "14 Maw 2026"
            )


# --------------------------------------------------------------------------- a real page in Welsh


def test_a_welsh_reader_sees_welsh_dates_and_their_money_on_the_job_pages(
    app: Flask, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.contacts.models import Client
    from minimin.extensions import db

    owner = make_user(locale="cy")
    with app.app_context():
        customer = Client(user_id=owner.id, name="Acme Studios")
        db.session.add(customer)
        db.session.commit()
        customer_id = str(customer.id)
    login(client, owner)
    created = client.submit(
        "/jobs/new",
        {
            "action": "save",
            "title": "Spring campaign",
            "client_id": customer_id,
            "currency": "GBP",
            "dates-0-day": "2026-03-14",
            "dates-1-day": "2026-03-16",
            "fee_lines-0-kind": "day_rate",
            "fee_lines-0-description": "Shoot day",
            "fee_lines-0-quantity": "2",
            "fee_lines-0-unit_amount": "1234.50",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]

    listing = client.get("/jobs").get_data(as_text=True)
    assert 'lang="cy"' in listing
    assert "14 Maw 2026 – 16 Maw 2026" in listing  # the dates macro, imported without context
    assert "£2,469.00" in listing  # the job's gross, through the money filters
    calendar = client.get("/jobs/calendar?month=2026-03").get_data(as_text=True)
    assert "Mawrth 2026" in calendar and "March 2026" not in calendar

    # The same pages for a reader who chose English: the stored Welsh preference is overridden.
    client.set_cookie("lang", "en_GB")
    listing = client.get("/jobs").get_data(as_text=True)
    assert 'lang="en-GB"' in listing and "14 Mar 2026 – 16 Mar 2026" in listing
    assert "£2,469.00" in listing
    assert "March 2026" in client.get("/jobs/calendar?month=2026-03").get_data(as_text=True)


# --------------------------------------------------------------------------- row URLs


@given(ids=st.lists(st.uuids(), min_size=1, max_size=5))
def test_id_url_builds_the_same_url_as_url_for(formatting_app: Flask, ids: list[Any]) -> None:
    from flask import url_for

    from minimin.core.templating import id_url

    with formatting_app.test_request_context("/", base_url="https://example.test/app/"):
        job_url = id_url("jobs.detail", "job_id")
        invoice_url = id_url("invoices.show", "invoice_id")
        for record_id in ids:
            assert job_url(record_id) == url_for("jobs.detail", job_id=record_id)
            assert job_url(str(record_id)) == url_for("jobs.detail", job_id=record_id)
            assert invoice_url(record_id) == url_for("invoices.show", invoice_id=record_id)
            assert invoice_url(record_id).startswith("/app/invoices/")


def test_id_url_refuses_what_is_not_an_id(formatting_app: Flask) -> None:
    from minimin.core.templating import id_url

    with formatting_app.test_request_context("/"):
        job_url = id_url("jobs.detail", "job_id")
        for hostile in ("../admin", "1 OR 1=1", "", "<script>"):
            with pytest.raises(ValueError):
                job_url(hostile)
        with pytest.raises(ValueError, match="does not put"):
            id_url("jobs.index", "job_id")  # the id would only be a query argument


# --------------------------------------------------------------------------- navigation


@pytest.mark.parametrize("locale", ["en_GB", "cy"])
def test_navigation_links_are_the_navigations_urls_and_labels(
    formatting_app: Flask, locale: str
) -> None:
    from flask import url_for

    from minimin.core.templating import main_navigation, navigation_links

    with reader(formatting_app, locale):
        expected = [(e, url_for(e), str(label)) for e, label in main_navigation()]
        assert len(expected) > 5
        assert navigation_links() == expected
        assert navigation_links() is navigation_links()  # kept, not built again
    with formatting_app.test_request_context(
        "/", base_url="http://localhost/books", headers={"Cookie": f"lang={locale}"}
    ):
        # Another script root: its own URLs.
        assert all(url.startswith("/books/") for _e, url, _l in navigation_links())


def test_welsh_and_english_navigations_differ(formatting_app: Flask) -> None:
    from minimin.core.templating import navigation_links

    with reader(formatting_app, "en_GB"):
        english = [label for _e, _u, label in navigation_links()]
    with reader(formatting_app, "cy"):
        welsh = [label for _e, _u, label in navigation_links()]
    assert english != welsh and len(english) == len(welsh)
