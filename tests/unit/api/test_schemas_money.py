"""The API's amount text (minimin/api/schemas.py): the integer arithmetic gives exactly what the
exact Money type gives, for every currency precision, sign and size."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minimin.api.schemas import Money, plain_amount
from minimin.core.money import Money as ExactMoney
from minimin.core.money import MoneyError

#: Two decimal places, none and three.
CURRENCIES = ("GBP", "EUR", "JPY", "BHD")


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(CURRENCIES))
def test_the_amount_text_is_the_exact_moneys(pence: int, currency: str) -> None:
    assert plain_amount(pence, currency) == ExactMoney.from_pence(pence, currency).plain()


@pytest.mark.parametrize(
    ("pence", "currency", "text"),
    [
        (0, "GBP", "0.00"),
        (5, "GBP", "0.05"),
        (-5, "GBP", "-0.05"),
        (123456, "GBP", "1234.56"),
        (1200, "JPY", "1200"),
        (-1, "BHD", "-0.001"),
    ],
)
def test_money_of(pence: int, currency: str, text: str) -> None:
    assert Money.of(pence, currency).model_dump() == {"amount": text, "currency": currency}


def test_an_unknown_currency_is_refused_as_before() -> None:
    with pytest.raises(MoneyError):
        Money.of(100, "XXQ")
    with pytest.raises(MoneyError):  # and again: a refusal is not remembered as an answer
        Money.of(100, "XXQ")
