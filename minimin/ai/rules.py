"""The local provider's rules: read receipts, remittance advices and booking confirmations
from plain text with regular expressions. Pure (no Flask, no database), so the evaluation set
in benchmarks/ai_data measures exactly what the app runs.

Confidence is modest by design: a rule that found a labelled value ("Total: £12.00") says
0.8, a guess (the first line as the supplier) 0.4, so the review page shows what to check.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from minimin.ai.schema import BOOKING, RECEIPT, REMITTANCE, Extraction, Field, Line

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_AMOUNT = r"(?:£|GBP\s?)?\s?(\d{1,3}(?:,\d{3})*(?:\.\d{2})|\d+(?:\.\d{2}))"
_DATE_PATTERNS = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "ymd"),
    (re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b"), "dmy"),
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b"), "dMy"),
    (re.compile(r"\b([A-Za-z]{3,9})\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b"), "Mdy"),
)

#: Words on a receipt that suggest an SA103F category (codes of minimin/expenses/categories).
_CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "travel",
        (
            "train",
            "rail",
            "taxi",
            "uber",
            "bus",
            "tube",
            "parking",
            "fuel",
            "petrol",
            "hotel",
            "flight",
            "oyster",
            "tfl",
            "railcard",
            "airways",
        ),
    ),
    ("clothing", ("clothing", "shoes", "dress", "shirt", "tights", "heels")),
    ("grooming", ("hair", "salon", "makeup", "make-up", "cosmetics", "nails", "barber")),
    (
        "office",
        (
            "stationery",
            "printer",
            "ink",
            "phone bill",
            "broadband",
            "mobile",
            "postage",
            "software",
            "subscription",
            "adobe",
            "royal mail",
            "toner",
        ),
    ),
    (
        "advertising",
        (
            "portfolio",
            "print",
            "website",
            "domain",
            "advert",
            "comp card",
            "photography",
            "headshot",
        ),
    ),
    (
        "professional",
        ("accountant", "accountancy", "solicitor", "legal", "insurance", "equity", "union"),
    ),
    ("entertainment", ("restaurant", "bar ", "pub", "dinner", "lunch")),
    ("financial", ("bank charge", "card fee", "paypal fee")),
)


def parse_date(text: str) -> tuple[str, str] | None:
    """The first date in *text* as (ISO date, the text it came from)."""
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            day = _to_date(match.groups(), order)
            if day is not None:
                return day.isoformat(), match.group(0)
    return None


def _to_date(groups: tuple[str | None, ...], order: str) -> date | None:
    a, b, c = (g or "" for g in groups)
    try:
        if order == "ymd":
            return date(int(a), int(b), int(c))
        if order == "dmy":
            return date(int(c), int(b), int(a))
        if order == "dMy":
            return date(int(c), _MONTHS[b[:3].lower()], int(a))
        return date(int(c), _MONTHS[a[:3].lower()], int(b))
    except (ValueError, KeyError):
        return None


def _amount(raw: str) -> str | None:
    try:
        return str(Decimal(raw.replace(",", "")).quantize(Decimal("0.01")))
    except InvalidOperation:
        return None


def _labelled_amount(lines: list[str], labels: str, avoid: str = r"$^") -> tuple[str, str] | None:
    """The amount on the last line matching *labels* (and not *avoid*)."""
    label = re.compile(labels, re.IGNORECASE)
    skip = re.compile(avoid, re.IGNORECASE)
    found = None
    for line in lines:
        if label.search(line) and not skip.search(line):
            amounts = re.findall(_AMOUNT, line)
            if amounts:
                value = _amount(amounts[-1])
                if value is not None:
                    found = (value, line.strip())
    return found


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _first_name_line(lines: list[str]) -> str | None:
    for line in lines[:5]:
        if re.search(r"[A-Za-z]{2}", line) and not re.search(
            r"receipt|invoice|tax|date|remittance|vat|^(from|to|subject)\b", line, re.IGNORECASE
        ):
            return line
    return lines[0] if lines else None


def _labelled_text(lines: list[str], labels: str) -> tuple[str, str] | None:
    pattern = re.compile(rf"^\s*(?:{labels})\s*[:\-]\s*(.+)$", re.IGNORECASE)
    for line in lines:
        match = pattern.match(line)
        if match:
            return match.group(1).strip(), line
    return None


def _put(result: Extraction, name: str, found: tuple[str, str] | None, confidence: float) -> None:
    if found is None:
        result.fields[name] = Field(None, "", 0.0)
    else:
        result.fields[name] = Field(found[0], found[1], confidence)


def suggest_category(text: str) -> tuple[str, str] | None:
    lower = text.lower()
    for code, words in _CATEGORY_WORDS:
        for word in words:
            if word in lower:
                return code, word.strip()
    return None


def receipt(text: str) -> Extraction:
    lines = _lines(text)
    result = Extraction(RECEIPT)
    supplier = _labelled_text(lines, "supplier|merchant|from|sold by")
    if supplier is None:
        first = _first_name_line(lines)
        _put(result, "supplier", (first, first) if first else None, 0.4)
    else:
        _put(result, "supplier", supplier, 0.8)
    _put(result, "date", parse_date(text), 0.7)
    total = _labelled_amount(
        lines, r"total|amount (due|paid)|balance|to pay|charged", r"sub-?total|vat total|net"
    )
    _put(result, "total", total, 0.8)
    _put(result, "vat", _labelled_amount(lines, r"\bvat\b|\btax\b", r"vat (no|number|reg)"), 0.7)
    rate = re.search(r"(\d{1,2}(?:\.\d)?)\s?%", text)
    _put(result, "vat_rate", (rate.group(1), rate.group(0)) if rate else None, 0.6)
    _put(result, "category", suggest_category(text), 0.5)
    return result


_REMITTANCE_LINE = re.compile(
    r"((?:INV|Invoice|Inv\.?|No\.?)[\s#:-]*[A-Z0-9][A-Z0-9/-]*\d)\b.*?" + _AMOUNT, re.IGNORECASE
)


def remittance(text: str) -> Extraction:
    lines = _lines(text)
    result = Extraction(REMITTANCE)
    payer = _labelled_text(lines, "from|payer|paid by|company")
    if payer is None:
        first = _first_name_line(lines)
        _put(result, "payer", (first, first) if first else None, 0.4)
    else:
        _put(result, "payer", payer, 0.8)
    _put(result, "date", parse_date(text), 0.7)
    _put(result, "total", _labelled_amount(lines, r"total|amount paid|payment amount"), 0.8)
    for line in lines:
        if re.search(r"total", line, re.IGNORECASE):
            continue
        match = _REMITTANCE_LINE.search(line)
        if match:
            reference = re.sub(r"^(Invoice|Inv\.|No\.?)\s*[#:]?\s*", "", match.group(1), flags=re.I)
            amount = _amount(match.group(2))
            if amount is not None:
                result.lines.append(Line(reference.strip(), amount, line))
    return result


def booking(text: str) -> Extraction:
    lines = _lines(text)
    result = Extraction(BOOKING)
    title = _labelled_text(lines, "job|project|production|shoot name")
    _put(result, "title", title or _labelled_text(lines, "subject|booking"), 0.7 if title else 0.4)
    _put(result, "client", _labelled_text(lines, "client|brand|customer"), 0.8)
    _put(result, "agency", _labelled_text(lines, "agency|booked by|agent"), 0.8)
    dates = _labelled_text(lines, "dates?|shoot dates?|when|start date|shoot")
    found = parse_date(dates[0]) if dates else parse_date(text)
    _put(result, "start_date", found, 0.7)
    end = _labelled_text(lines, "end date|until|to")
    end_found = parse_date(end[0]) if end else None
    if end_found is None and dates:
        all_dates = _all_dates(dates[0])
        end_found = all_dates[-1] if len(all_dates) > 1 else found
    _put(result, "end_date", end_found or found, 0.6)
    fee = _labelled_amount(lines, r"fee|rate|day rate|total")
    _put(result, "fee", fee, 0.8)
    basis = None
    if fee is not None:
        lower = fee[1].lower()
        basis = "half_day" if "half" in lower else "usage" if "usage" in lower else "day"
    _put(result, "fee_basis", (basis, fee[1]) if basis and fee else None, 0.5)
    _put(result, "usage", _labelled_text(lines, "usage|licen[cs]e|buyout|media"), 0.7)
    return result


def _all_dates(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    rest = text
    while True:
        item = parse_date(rest)
        if item is None:
            return found
        found.append(item)
        rest = rest.split(item[1], 1)[1]


EXTRACTORS = {RECEIPT: receipt, REMITTANCE: remittance, BOOKING: booking}


def extract(kind: str, text: str) -> Extraction:
    return EXTRACTORS[kind](text)
