"""Benchmark: money and date formatting as list pages do it, before and after the cached paths.

Run: ``python -m benchmarks.formatting [--repeat 7] [--rounds 200]``. Each figure is the cost
of one call in microseconds (the fastest of ``--repeat`` timings of ``--rounds`` passes over 100
values, the way a list page formats a hundred amounts and a hundred dates):

* ``format_money``: Babel's ``format_currency`` after rounding (what ``format_money`` did before)
  against the cached layout (``format_money`` now), for en_GB and cy;
* the ``money`` filter's work: the former filter (``get_locale()``, a ``Money``, Babel) against
  ``format_pence`` with the render's locale;
* ``uk_date``: flask_babel's ``format_date`` (the former filter), Babel's ``format_date`` with an
  explicit locale (uncached) and the memoised ``uk_date``;
* a template of 100 rows, each with ``|money``, ``|money_value`` and ``|uk_date``, rendered with
  the former filters and with the current ones (per render, and per filter call).

The values are checked to give the same text both ways before anything is timed. Targets: 5 µs
or less per money and per date call. Results go to ``benchmarks/results/formatting.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import timeit
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "formatting.json"
TARGET_US = 5.0
ROWS = 100
LOCALES = ("en_GB", "cy")
TEMPLATE = (
    "{% for row in rows %}<tr><td>{{ row.day|uk_date }}</td>"
    "<td>{{ row.pence|money(row.currency) }}</td><td>{{ row.amount|money_value }}</td></tr>"
    "{% endfor %}"
)


def sample_pence(n: int = ROWS) -> list[int]:
    """Amounts from pennies to millions, a few negative (credit notes, refunds)."""
    values = []
    for i in range(n):
        pence = (i * 7919 * 10 ** (i % 8)) % 10**10
        values.append(-pence if i % 9 == 0 else pence)
    return values


def sample_days(n: int = ROWS) -> list[date]:
    """A page of dates: sixty-odd different days, as on a job or invoice list."""
    start = date(2026, 1, 5)
    return [start + timedelta(days=(i * 3) % 64) for i in range(n)]


def per_call_us(fn: Callable[[Any], Any], values: Sequence[Any], rounds: int, repeat: int) -> float:
    """Microseconds per call of *fn*, fastest of *repeat* timings of *rounds* passes."""

    def one_pass() -> None:
        for value in values:
            fn(value)

    one_pass()  # warm caches and imports: the steady state of a running server is measured
    timings = timeit.repeat(one_pass, number=rounds, repeat=repeat)
    return round(min(timings) / (rounds * len(values)) * 1e6, 2)


def per_render_us(render: Callable[[], str], rounds: int, repeat: int) -> float:
    render()
    timings = timeit.repeat(render, number=rounds, repeat=repeat)
    return round(min(timings) / rounds * 1e6, 1)


# --------------------------------------------------------------------------- the former filters


def former_format_money(money: Any, locale: str) -> str:
    """``format_money`` before the cached layout: round, then Babel."""
    from babel.numbers import format_currency

    return str(format_currency(money.round_half_up().amount, money.currency, locale=locale))


def former_money_filter(pence: int | None, currency: str = "GBP") -> str:
    from flask_babel import get_locale

    from minimin.core.money import Money

    if pence is None:
        return ""
    return former_format_money(Money.from_pence(int(pence), currency), str(get_locale()))


def former_money_value_filter(value: Any) -> str:
    from flask_babel import get_locale

    if value is None:
        return ""
    return former_format_money(value, str(get_locale()))


def former_uk_date_filter(value: date | None, fmt: str = "medium") -> str:
    from flask_babel import format_date

    if value is None:
        return ""
    return str(format_date(value, fmt))


# --------------------------------------------------------------------------- measurements


def measure_money(rounds: int, repeat: int) -> dict[str, Any]:
    return {locale: money_in(locale, rounds, repeat) for locale in LOCALES}


def money_in(locale: str, rounds: int, repeat: int) -> dict[str, float]:
    from minimin.core.money import Money, format_money, format_pence

    pence = sample_pence()
    amounts = [Money.from_pence(p) for p in pence]
    for money in [*amounts, Money.of("-0.001"), Money.of("1234.565", "USD")]:
        assert format_money(money, locale) == former_format_money(money, locale), money
    return {
        "babel_us": per_call_us(lambda m: former_format_money(m, locale), amounts, rounds, repeat),
        "cached_layout_us": per_call_us(lambda m: format_money(m, locale), amounts, rounds, repeat),
        "format_pence_us": per_call_us(
            lambda p: format_pence(p, "GBP", locale), pence, rounds, repeat
        ),
    }


def measure_filters(app: Any, rounds: int, repeat: int) -> dict[str, Any]:
    """The Python work of one filter call inside a request (no template around it)."""
    result: dict[str, Any] = {}
    for locale in LOCALES:
        with app.test_request_context("/", headers={"Cookie": f"lang={locale}"}):
            result[locale] = filters_in(locale, rounds, repeat)
    return result


def filters_in(locale: str, rounds: int, repeat: int) -> dict[str, float]:
    import flask_babel

    from minimin.core.templating import money, uk_date

    pence = sample_pence()
    days = sample_days()
    for d in days:
        assert uk_date(d) == former_uk_date_filter(d)
    for p in pence:
        assert money(p) == former_money_filter(p)
    moment = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert uk_date(moment) == former_uk_date_filter(moment)
    return {
        "money_former_filter_us": per_call_us(former_money_filter, pence, rounds, repeat),
        "money_with_render_locale_us": per_call_us(
            lambda p: money(p, "GBP", locale), pence, rounds, repeat
        ),
        "money_asking_flask_babel_for_the_locale_us": per_call_us(money, pence, rounds, repeat),
        "uk_date_former_filter_us": per_call_us(former_uk_date_filter, days, rounds, repeat),
        "uk_date_babel_uncached_us": per_call_us(
            lambda d: babel_date(d, locale), days, rounds, repeat
        ),
        "uk_date_cached_with_render_locale_us": per_call_us(
            lambda d: uk_date(d, "medium", locale), days, rounds, repeat
        ),
        "uk_date_cached_asking_flask_babel_for_the_locale_us": per_call_us(
            uk_date, days, rounds, repeat
        ),
        "get_locale_us": per_call_us(lambda _: str(flask_babel.get_locale()), days, rounds, repeat),
    }


def babel_date(day: date, locale: str) -> str:
    from babel.dates import format_date

    return str(format_date(day, "medium", locale=locale))


def measure_template(app: Any, rounds: int, repeat: int) -> dict[str, Any]:
    from flask import render_template

    from minimin.core.money import Money

    rows = [
        {"day": d, "pence": p, "currency": "GBP", "amount": Money.from_pence(p)}
        for d, p in zip(sample_days(), sample_pence(), strict=True)
    ]
    former_env = app.jinja_env.overlay()
    former_env.filters = {
        **app.jinja_env.filters,
        "money": former_money_filter,
        "money_value": former_money_value_filter,
        "uk_date": former_uk_date_filter,
    }
    former = former_env.from_string(TEMPLATE)
    current = app.jinja_env.from_string(TEMPLATE)
    empty = app.jinja_env.from_string(
        TEMPLATE.replace("|uk_date", "")
        .replace("|money_value", "")
        .replace("|money(row.currency)", "")
    )
    result: dict[str, Any] = {}
    for locale in LOCALES:
        with app.test_request_context("/", headers={"Cookie": f"lang={locale}"}):
            assert render_template(current, rows=rows) == render_template(former, rows=rows)
            former_us = per_render_us(lambda: render_template(former, rows=rows), rounds, repeat)
            current_us = per_render_us(lambda: render_template(current, rows=rows), rounds, repeat)
            bare_us = per_render_us(lambda: render_template(empty, rows=rows), rounds, repeat)
            calls = 3 * len(rows)
            result[locale] = {
                "rows": len(rows),
                "filter_calls": calls,
                "former_render_us": former_us,
                "current_render_us": current_us,
                "same_template_without_filters_us": bare_us,
                "former_per_filter_call_us": round((former_us - bare_us) / calls, 2),
                "current_per_filter_call_us": round((current_us - bare_us) / calls, 2),
            }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)

    from minimin.app import create_app

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3"},
            mode="testing",
            instance_path=Path(tmp) / "instance",
        )
        money = measure_money(args.rounds, args.repeat)
        filters = measure_filters(app, args.rounds, args.repeat)
        template = measure_template(app, max(1, args.rounds // 10), args.repeat)

    worst_money = max(max(v["cached_layout_us"], v["format_pence_us"]) for v in money.values())
    worst_date = max(v["uk_date_cached_with_render_locale_us"] for v in filters.values())
    result = {
        "benchmark": "formatting",
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "rounds": args.rounds,
        "values_per_round": ROWS,
        "format_money": money,
        "filters": filters,
        "template_100_rows": template,
        "load_average_1m_before": round(load_before, 1),
        "load_average_1m_after": round(os.getloadavg()[0], 1),
        "target_us": TARGET_US,
        "median_money_speedup": round(
            statistics.median(v["babel_us"] / v["cached_layout_us"] for v in money.values()), 1
        ),
        "meets_target": worst_money <= TARGET_US and worst_date <= TARGET_US,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
