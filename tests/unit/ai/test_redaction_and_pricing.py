"""Redaction (nothing identifying leaves; everything comes back) and the pricing pool's
k-anonymity, rounding and resistance to differencing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from minimin.ai import pricing
from minimin.ai.redaction import redact

IDENTIFIERS = [
    "jo.bloggs@example.org",
    "07700 900123",
    "+44 20 7946 0958",
    "020 7946 0958",
    "12-34-56",
    "31926819",
    "QQ 12 34 56 C",
    "AB123456C",
    "1234567890",
    "GB29 NWBK 6016 1331 9268 19",
]


def test_every_identifier_is_replaced_and_restored() -> None:
    text = "Pay " + " and ".join(IDENTIFIERS) + " for 3 days at £650.00 on 14/03/2026."
    redacted = redact(text)
    for identifier in IDENTIFIERS:
        assert identifier not in redacted.text, identifier
    assert "£650.00" in redacted.text and "14/03/2026" in redacted.text
    assert redacted.restore(redacted.text) == text


def test_the_same_value_gets_the_same_placeholder() -> None:
    redacted = redact("a@b.example then a@b.example")
    assert redacted.text == "[[EMAIL_1]] then [[EMAIL_1]]"
    assert redacted.restore({"x": ["[[EMAIL_1]]"]}) == {"x": ["a@b.example"]}


@settings(max_examples=40)
@given(st.text(max_size=200))
def test_restore_undoes_redact(text: str) -> None:
    redacted = redact(text)
    if "[[" not in text:
        assert redacted.restore(redacted.text) == text


def _pool(rates: list[int]) -> dict[str, list[int]]:
    return {f"c{i}": [rate] for i, rate in enumerate(rates)}


def test_fewer_than_k_contributors_show_nothing() -> None:
    nine = _pool([50_000] * (pricing.K_ANONYMITY - 1))
    assert pricing.quartiles(nine, "commercial:london") is None
    many_rows_one_person = {"c0": [50_000] * 50}
    assert pricing.quartiles(many_rows_one_person, "commercial:london") is None


def test_figures_are_rounded_to_five_pounds() -> None:
    figure = pricing.quartiles(_pool([40_000 + 1_237 * i for i in range(12)]), "x:y")
    assert figure is not None
    for value in (figure.p25, figure.p50, figure.p75):
        assert value % pricing.ROUND_TO_PENCE == 0
    assert figure.p25 <= figure.p50 <= figure.p75


def test_one_contributor_cannot_be_recovered_by_differencing() -> None:
    # Ten people charge about £500; an eleventh charges £2,000. Comparing the figure with and
    # without them must not reveal their fee: the k-anonymous quartiles, rounded to £5 with
    # noise, move by no more than the rounding step, far from £2,000.
    base = [49_000, 49_500, 50_000, 50_000, 50_500, 50_000, 49_800, 50_200, 50_100, 49_900]
    without = pricing.quartiles(_pool(base), "commercial:london")
    with_outlier = pricing.quartiles({**_pool(base), "target": [200_000]}, "commercial:london")
    assert without is not None and with_outlier is not None
    for a, b in (
        (without.p25, with_outlier.p25),
        (without.p50, with_outlier.p50),
        (without.p75, with_outlier.p75),
    ):
        assert abs(a - b) <= 2 * pricing.ROUND_TO_PENCE
    # One fewer than k: the figure is suppressed rather than shown from nine people.
    assert pricing.quartiles(_pool(base[:-1]), "commercial:london") is None


def test_regions_come_from_a_fixed_list() -> None:
    assert pricing.region_of("Studio 4, Shoreditch, London E2") == "london"
    assert pricing.region_of("Somewhere odd") == "uk_other"
    assert pricing.region_of(None) == "uk_other"
