"""Money: exact amounts, one currency, strict parsing of user input."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField
from wtforms.validators import Optional

from minimin.core.forms import MoneyField, PercentField, UKDateField
from minimin.core.money import (
    DEFAULT_MAX_PENCE,
    CurrencyMismatchError,
    Money,
    MoneyError,
    PercentError,
    allocate,
    format_money,
    money_sum,
    parse_money,
    parse_percent,
)

pence = st.integers(min_value=-DEFAULT_MAX_PENCE, max_value=DEFAULT_MAX_PENCE)
gbp = pence.map(Money.from_pence)


# --------------------------------------------------------------------------- the value type


def test_from_pence_and_back():
    m = Money.from_pence(123456)
    assert m.amount == Decimal("1234.56")
    assert m.currency == "GBP"
    assert m.pence == 123456


def test_currencies_without_pence_and_with_three_decimals():
    assert Money.from_pence(1234, "JPY").amount == Decimal(1234)
    assert Money.from_pence(1234, "BHD").amount == Decimal("1.234")
    assert Money.of("1.234", "BHD").pence == 1234


@pytest.mark.parametrize("bad", [1.5, 0.1, float("nan")])
def test_floats_are_refused(bad):
    with pytest.raises(TypeError):
        Money(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1") * bad  # type: ignore[operator]
    with pytest.raises(TypeError):
        parse_money(bad)


def test_non_finite_decimals_and_unknown_currencies_are_refused():
    with pytest.raises(MoneyError):
        Money(Decimal("NaN"))
    with pytest.raises(MoneyError):
        Money(Decimal("Infinity"))
    with pytest.raises(MoneyError) as info:
        Money(Decimal(1), "XYZ")
    assert info.value.code == "currency"


def test_mixing_currencies_raises_a_specific_error():
    with pytest.raises(CurrencyMismatchError) as info:
        Money.of("1") + Money.of("1", "EUR")
    assert (info.value.left, info.value.right) == ("GBP", "EUR")
    assert "GBP" in str(info.value) and "EUR" in str(info.value)
    with pytest.raises(CurrencyMismatchError):
        Money.of("1") - Money.of("1", "USD")
    with pytest.raises(CurrencyMismatchError):
        _ = Money.of("1") < Money.of("2", "USD")
    with pytest.raises(TypeError):
        Money.of("1") + Decimal(1)  # type: ignore[operator]


def test_sub_penny_amounts_refuse_pence_until_rounded():
    third = Money.of("10") * Decimal("0.3333")
    with pytest.raises(MoneyError) as info:
        _ = third.pence
    assert info.value.code == "precision"
    assert third.round_half_up().pence == 333


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("-0.005", "-0.01"),
        ("2.675", "2.68"),
        ("1.125", "1.13"),
    ],
)
def test_round_half_up(amount, expected):
    assert Money.of(amount).round_half_up().amount == Decimal(expected)


def test_multiplication_percent_and_sum():
    assert Money.of("200").percent(15) == Money.of("30")
    assert Money.of("2.50") * 3 == Money.of("7.50")
    assert 3 * Money.of("2.50") == Money.of("7.50")
    assert sum([Money.of("1.10"), Money.of("2.20")]) == Money.of("3.30")
    assert money_sum([], "EUR") == Money.zero("EUR")


def test_split_and_allocate_sum_exactly():
    assert [m.pence for m in Money.of("10").split(3)] == [334, 333, 333]
    assert [m.pence for m in allocate(Money.of("100"), [1, 1, 1])] == [3334, 3333, 3333]
    assert [m.pence for m in Money.of("-10").split(3)] == [-334, -333, -333]
    with pytest.raises(ValueError):
        allocate(Money.of("1"), [0, 0])


def test_json_carries_strings():
    m = Money.of("1234.5")
    data = m.to_json()
    assert data == {"amount": "1234.50", "currency": "GBP"}
    assert Money.from_json(json.loads(json.dumps(data))) == m
    assert Money.from_json({"amount": "-3.00", "currency": "EUR"}) == Money.of("-3", "EUR")
    with pytest.raises(MoneyError):
        Money.from_json({"amount": 12.5, "currency": "GBP"})


def test_format_money():
    assert format_money(Money.of("1234.5")) == "£1,234.50"
    assert format_money(Money.of("-3")) == "-£3.00"
    assert format_money(Money.of("1000", "EUR")) == "€1,000.00"
    assert format_money(Money.of("1.005")) == "£1.01"
    assert format_money(Money.of("1.005"), exact=True) == "£1.005"


@given(st.lists(pence, max_size=50))
def test_sums_of_pence_are_exact(values):
    total = money_sum(Money.from_pence(v) for v in values)
    assert total.pence == sum(values)


@given(gbp, gbp)
def test_addition_and_subtraction_are_exact_inverses(a, b):
    assert (a + b) - b == a
    assert (a + b).pence == a.pence + b.pence
    assert isinstance((a + b).amount, Decimal)


@given(pence, st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=10))
def test_allocation_always_sums_to_the_total(p, ratios):
    if sum(ratios) == 0:
        ratios[0] = 1
    parts = allocate(Money.from_pence(p), ratios)
    assert sum(part.pence for part in parts) == p
    assert len(parts) == len(ratios)


@given(gbp)
def test_format_then_parse_round_trips(m):
    assert parse_money(format_money(m), allow_negative=True) == m
    assert parse_money(m.plain(), allow_negative=True) == m
    assert Money.from_json(m.to_json()) == m


@given(st.integers(min_value=0, max_value=DEFAULT_MAX_PENCE))
def test_parse_plain_pence_strings(p):
    text = f"{p // 100}.{p % 100:02d}"
    assert parse_money(text).pence == p


# --------------------------------------------------------------------------- parsing user input


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("1234.56", 123456),
        ("1,234.56", 123456),
        ("£12", 1200),
        (" 12 ", 1200),
        ("12.5", 1250),
        ("£ 1,000,000", 100000000),
        ("12 GBP", 1200),
        ("0", 0),
        (".50", 50),
        ("\u00a012.00\u00a0", 1200),
    ],
)
def test_parse_money_accepts(text, pence):
    assert parse_money(text).pence == pence


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("NaN", "not_finite"),
        ("nan", "not_finite"),
        ("sNaN", "not_finite"),
        ("Infinity", "not_finite"),
        ("-Infinity", "not_finite"),
        ("inf", "not_finite"),
        ("1e999999", "exponent"),
        ("1e309", "exponent"),
        ("1E5", "exponent"),
        ("12.345", "precision"),
        ("12.500", "precision"),
        ("-5", "negative"),
        ("£-5", "negative"),
        ("100000000000.01", "range"),
        ("99999999999999999999", "range"),
        ("9" * 40, "range"),  # past Decimal's 28 digits: quantize would raise
        ("9" * 64, "range"),
        ("abc", "invalid"),
        ("12abc", "invalid"),
        ("1,23.45", "invalid"),
        ("1.2.3", "invalid"),
        ("$12", "invalid"),
        ("١٢", "invalid"),  # Arabic-Indic digits
        ("12\x00", "invalid"),
        ("1" * 65, "too_long"),
        ("0x10", "invalid"),
        ("1_000", "invalid"),
    ],
)
def test_parse_money_refuses(text, code):
    with pytest.raises(MoneyError) as info:
        parse_money(text)
    assert info.value.code == code
    assert str(info.value)  # a readable message
    assert isinstance(info.value, ValueError)


def test_parse_money_messages_are_specific():
    with pytest.raises(MoneyError, match="2 decimal places"):
        parse_money("1.234")
    with pytest.raises(MoneyError, match="zero or more"):
        parse_money("-1")
    with pytest.raises(MoneyError, match=r"£100,000,000,000\.00"):
        parse_money("100000000001")
    with pytest.raises(MoneyError, match="exponent"):
        parse_money("1e309")
    with pytest.raises(MoneyError, match="whole amount"):
        parse_money("12.5", currency="JPY")


def test_parse_money_negative_and_limits_when_allowed():
    assert parse_money("-£12.50", allow_negative=True) == Money.of("-12.50")
    assert parse_money("−3", allow_negative=True) == Money.of("-3")  # U+2212 minus
    assert parse_money("-0") == Money.zero()
    with pytest.raises(MoneyError):
        parse_money("101", max_pence=10000)
    assert parse_money("100", max_pence=10000).pence == 10000


def test_parse_money_other_currencies():
    assert parse_money("€12.50", currency="EUR") == Money.of("12.50", "EUR")
    assert parse_money("$5", currency="USD") == Money.of("5", "USD")
    assert parse_money("1,000", currency="JPY").pence == 1000
    with pytest.raises(MoneyError):
        parse_money("12", currency="ZZZ")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15", "15"),
        ("12.5%", "12.5"),
        (" 17.25 % ", "17.25"),
        ("0", "0"),
        ("100", "100"),
        ("16.125", "16.125"),
    ],
)
def test_parse_percent_accepts(text, value):
    assert parse_percent(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("NaN", "not_finite"),
        ("1e2", "exponent"),
        ("100.01", "range"),
        ("-1", "range"),
        ("1.2345", "precision"),
        ("fifteen", "invalid"),
    ],
)
def test_parse_percent_refuses(text, code):
    with pytest.raises(PercentError) as info:
        parse_percent(text)
    assert info.value.code == code


def test_parse_percent_places():
    with pytest.raises(PercentError):
        parse_percent("12.345", places=2)


# --------------------------------------------------------------------------- form fields


class AmountForm(Form):
    amount = MoneyField("Amount")
    maybe = MoneyField("Optional amount", [Optional()])
    credit = MoneyField("Credit", [Optional()], allow_negative=True)


class CurrencyForm(Form):
    currency = StringField("Currency")
    amount = MoneyField("Amount", currency_field="currency")


class RateForm(Form):
    rate = PercentField("Rate")
    day = UKDateField("Day", [Optional()])


def test_money_field_gives_decimal_money_and_pence():
    form = AmountForm(MultiDict({"amount": "£1,234.50", "maybe": "", "credit": "-2"}))
    assert form.validate(), form.errors
    assert form.amount.data == Decimal("1234.50")
    assert form.amount.money == Money.of("1234.50")
    assert form.amount.pence == 123450
    assert form.maybe.data is None
    assert form.credit.pence == -200


def test_money_field_refuses_with_the_specific_message_and_keeps_the_text():
    form = AmountForm(MultiDict({"amount": "1e309"}))
    assert not form.validate()
    assert "exponent" in form.amount.errors[0]
    assert form.amount.data is None
    assert 'value="1e309"' in form.amount()


def test_money_field_empty_is_an_error_unless_optional():
    form = AmountForm(MultiDict({}))
    assert not form.validate()
    assert form.amount.errors == ["Enter an amount."]
    assert not form.maybe.errors


def test_money_field_renders_existing_data():
    form = AmountForm(data={"amount": Decimal("12.5")})
    assert 'value="12.50"' in form.amount()
    assert 'inputmode="decimal"' in form.amount()


def test_money_field_follows_the_chosen_currency():
    form = CurrencyForm(MultiDict({"currency": "JPY", "amount": "1,500"}))
    assert form.validate(), form.errors
    assert form.amount.money == Money.of("1500", "JPY")
    form = CurrencyForm(MultiDict({"currency": "JPY", "amount": "15.50"}))
    assert not form.validate()
    assert "whole amount" in form.amount.errors[0]
    form = CurrencyForm(MultiDict({"currency": "BHD", "amount": "1.125"}))
    assert form.validate(), form.errors
    assert form.amount.pence == 1125


def test_percent_and_date_fields():
    form = RateForm(MultiDict({"rate": "15%", "day": "30/2/2025"}))
    assert not form.validate()
    assert form.rate.data == Decimal(15)
    assert "does not exist" in form.day.errors[0]
    form = RateForm(MultiDict({"rate": "101", "day": "2025-04-06"}))
    assert not form.validate()
    assert "from 0 to 100" in form.rate.errors[0]
    assert form.day.data.isoformat() == "2025-04-06"
    assert 'type="date"' in form.day()


@pytest.mark.parametrize(
    ("text", "allow_zero", "code"),
    [
        ("0", False, "zero"),
        ("0.000", False, "zero"),
        ("-1", False, "negative"),
        ("\u22121", True, "negative"),
        ("-NaN", False, "not_finite"),
        ("2E3", True, "exponent"),
        ("1.2.3", True, "invalid"),
        (" ", True, "empty"),
    ],
)
def test_parse_quantity_refusals(text, allow_zero, code):
    from minimin.core.money import NumberInputError, parse_quantity

    with pytest.raises(NumberInputError) as info:
        parse_quantity(text, allow_zero=allow_zero)
    assert info.value.code == code


def test_parse_quantity_accepts_zero_only_when_allowed():
    from minimin.core.money import parse_quantity

    assert parse_quantity("0") == 0
    assert parse_quantity(" 0.5 ", allow_zero=False) == Decimal("0.5")
    with pytest.raises(TypeError):
        parse_quantity(1.5)
