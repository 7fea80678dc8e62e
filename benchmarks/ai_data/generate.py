"""Generate the AI extraction evaluation set: receipts, remittance advices and booking
confirmations in many layouts, each with the fields it should yield (``expected.json``).

Run: ``python -m benchmarks.ai_data.generate``. Deterministic (fixed seed): running it again
writes the same files. A few documents are PDFs made with WeasyPrint, the app's PDF machinery.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SUPPLIERS = [
    ("Corner Stationers Ltd", "office", "Printer ink"),
    ("Great Western Railway", "travel", "Off-peak return train ticket"),
    ("Addison Lee", "travel", "Taxi to casting"),
    ("Salon Verde", "grooming", "Hair styling for shoot"),
    ("Portfolio Print Co", "advertising", "Comp card print run"),
    ("Hotel Aurora", "travel", "Hotel, 1 night"),
    ("Pixel Domains", "advertising", "Website domain renewal"),
    ("Smith & Co Accountants", "professional", "Accountancy fee"),
    ("Royal Mail", "office", "Postage"),
]
CLIENTS = ["North Star Apparel", "Brightside Cosmetics", "Lumen Watches", "Oak & Ivy", "Velo Bikes"]
AGENCIES = ["Select Models", "Premier Talent", "Storm North", "Bookings Ltd"]
KINDS = ["day", "half day", "usage"]


def _money(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


def _date_text(day: date, style: int) -> str:
    return [
        day.strftime("%d/%m/%Y"),
        day.isoformat(),
        f"{day.day} {day.strftime('%B %Y')}",
        day.strftime("%d %b %Y"),
    ][style % 4]


def receipt(rng: random.Random, n: int) -> tuple[str, dict[str, Any]]:
    supplier, category, item = SUPPLIERS[n % len(SUPPLIERS)]
    day = date(2026, 1, 1) + timedelta(days=rng.randrange(300))
    net = rng.randrange(500, 30000)
    vat_rated = n % 3 != 2
    vat = round(net * 0.2) if vat_rated else 0
    total = net + vat
    d = _date_text(day, n)
    layouts = [
        f"{supplier}\n1 High Street, Leeds LS1 1AA\nVAT No 123 4567 89\nDate: {d}\n"
        f"{item}    £{_money(net)}\nSubtotal £{_money(net)}\nVAT 20% £{_money(vat)}\n"
        f"TOTAL £{_money(total)}\nThank you",
        f"RECEIPT\nMerchant: {supplier}\n{d}\n{item}\nAmount paid: £{_money(total)}\n"
        + (f"Includes VAT @ 20%: £{_money(vat)}\n" if vat else "")
        + "Card ending 4242",
        f"{supplier.upper()}\n--------------\n{item} ... {_money(net)}\n"
        + (f"VAT (20%) ... {_money(vat)}\n" if vat else "")
        + f"Total to pay ... {_money(total)}\nDate {d}",
    ]
    expected = {
        "supplier": supplier,
        "date": day.isoformat(),
        "total": _money(total),
        "vat": _money(vat) if vat else None,
        "vat_rate": "20" if vat else None,
        "category": category,
    }
    return layouts[n % len(layouts)], expected


def remittance(rng: random.Random, n: int) -> tuple[str, dict[str, Any]]:
    payer = AGENCIES[n % len(AGENCIES)]
    day = date(2026, 1, 1) + timedelta(days=rng.randrange(300))
    lines = [
        (f"INV-{2026}{rng.randrange(1, 999):03d}", rng.randrange(20000, 150000))
        for _ in range(1 + n % 3)
    ]
    total = sum(p for _, p in lines)
    d = _date_text(day, n + 1)
    body = "\n".join(
        (f"Invoice {ref}   £{_money(p)}" if n % 2 else f"{ref} | Fee | {_money(p)}")
        for ref, p in lines
    )
    text = [
        f"REMITTANCE ADVICE\nFrom: {payer}\nPayment date: {d}\n{body}\n"
        f"Total paid: £{_money(total)}",
        f"{payer}\nRemittance advice\nDate: {d}\n\nReference | Description | Amount\n{body}\n"
        f"Payment amount £{_money(total)}\nPaid to sort code 12-34-56 account 31926819",
    ][n % 2]
    expected = {
        "payer": payer,
        "date": day.isoformat(),
        "total": _money(total),
        "lines": [{"reference": ref, "amount": _money(p)} for ref, p in lines],
    }
    return text, expected


def booking(rng: random.Random, n: int) -> tuple[str, dict[str, Any]]:
    client = CLIENTS[n % len(CLIENTS)]
    agency = AGENCIES[n % len(AGENCIES)]
    start = date(2026, 2, 1) + timedelta(days=rng.randrange(250))
    end = start + timedelta(days=n % 3)
    fee = rng.choice([45000, 50000, 65000, 80000, 120000])
    basis = KINDS[n % 3]
    shoot = ["spring campaign", "lookbook", "TV advert", "e-commerce shoot"][n % 4]
    title = f"{client.split()[0]} {shoot}"
    usage = ["12 months UK online", "2 years worldwide print and digital", "6 months EU social"][
        n % 3
    ]
    fee_line = {
        "day": f"Fee: £{_money(fee)} per day",
        "half day": f"Half day rate: £{_money(fee)}",
        "usage": f"Usage fee: £{_money(fee)}",
    }[basis]
    dates = (
        f"Dates: {_date_text(start, n)}"
        if start == end
        else f"Dates: {_date_text(start, n)} to {_date_text(end, n)}"
    )
    text = [
        f"Subject: Booking confirmation\nFrom: bookings@{agency.split()[0].lower()}.example\n\n"
        f"Hi,\nConfirming the following booking.\nJob: {title}\nClient: {client}\n"
        f"Agency: {agency}\n"
        f"{dates}\n{fee_line}\nUsage: {usage}\nCall 020 7946 0958 with questions.",
        f"BOOKING CONFIRMATION\nProduction: {title}\nBrand: {client}\nBooked by: {agency}\n"
        f"{dates}\n"
        f"{fee_line}\nLicence: {usage}",
    ][n % 2]
    expected = {
        "title": title,
        "client": client,
        "agency": agency,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "fee": _money(fee),
        "fee_basis": basis.replace(" ", "_"),
        "usage": usage,
    }
    return text, expected


#: Written by hand, in layouts the generator does not produce (forwarded emails, tills, tables).
HANDWRITTEN: list[tuple[str, str, dict[str, Any]]] = [
    (
        "receipt",
        "Thanks for shopping with us!\nPRET A MANGER\nStore 0231 Kings Cross\n"
        "Flat white 3.45\nCroissant 2.60\nBalance due GBP 6.05\n05.03.2026 08:12\n"
        "VAT included (20%) 1.01",
        {
            "supplier": "PRET A MANGER",
            "date": "2026-03-05",
            "total": "6.05",
            "vat": "1.01",
            "vat_rate": "20",
            "category": None,
        },
    ),
    (
        "receipt",
        "Your Uber receipt\nTotal £18.40\nTrip on March 9, 2026\nThis is not a VAT invoice",
        {
            "supplier": "Uber",
            "date": "2026-03-09",
            "total": "18.40",
            "vat": None,
            "vat_rate": None,
            "category": "travel",
        },
    ),
    (
        "remittance",
        "---------- Forwarded message ---------\nFrom: accounts@storm.example\n"
        "Subject: Payment notification\n\nDear supplier, we paid 2 invoices on 02/04/2026:\n"
        "Your ref 1043 ......... 850.00\nYour ref 1051 ......... 1,200.00\nTotal 2,050.00",
        {
            "payer": "Storm North",
            "date": "2026-04-02",
            "total": "2050.00",
            "lines": [
                {"reference": "1043", "amount": "850.00"},
                {"reference": "1051", "amount": "1200.00"},
            ],
        },
    ),
    (
        "booking",
        "Hi Sam! Great news - Lumen want you for their watch campaign on the 14th and 15th of "
        "May 2026. Rate is £900/day plus £1,500 usage (1 year UK print). Booked through us, "
        "Select Models. x",
        {
            "title": "Lumen watch campaign",
            "client": "Lumen",
            "agency": "Select Models",
            "start_date": "2026-05-14",
            "end_date": "2026-05-15",
            "fee": "900.00",
            "fee_basis": "day",
            "usage": "1 year UK print",
        },
    ),
]


def _pdf(text: str, path: Path) -> None:
    from html import escape

    from weasyprint import HTML

    html = (
        "<html><body>"
        + "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
        + "</body></html>"
    )
    HTML(string=html).write_pdf(path)


def main() -> None:
    rng = random.Random(20261207)
    expected: dict[str, Any] = {}
    makers = (("receipt", receipt, 18), ("remittance", remittance, 12), ("booking", booking, 15))
    for kind, make, count in makers:
        for n in range(count):
            text, fields = make(rng, n)
            as_pdf = n in (0, 5)
            name = f"{kind}_{n:02d}.{'pdf' if as_pdf else 'txt'}"
            if as_pdf:
                _pdf(text, HERE / name)
            else:
                (HERE / name).write_text(text + "\n", encoding="utf-8")
            expected[name] = {"kind": kind, **fields}
    for n, (kind, text, fields) in enumerate(HANDWRITTEN):
        name = f"handwritten_{kind}_{n:02d}.txt"
        (HERE / name).write_text(text + "\n", encoding="utf-8")
        expected[name] = {"kind": kind, **fields}
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    print(f"{len(expected)} documents in {HERE}")


if __name__ == "__main__":
    main()
