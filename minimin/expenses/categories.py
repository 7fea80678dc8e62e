"""SA103F expense categories (boxes 17-30) and the "usually disallowable" warnings.

Each category names its SA103F box. Two categories are *always* disallowable for income tax
(business entertainment, box 24; depreciation and loss on sale, box 29: capital allowances are
claimed instead). Clothing and grooming are *usually* disallowable because of duality of purpose
(Mallalieu v Drummond): a user who confirms a cost is wholly and exclusively for the business
(a costume bought for one role, say) may still claim it.

Warnings are found from the category and from keywords in the description (what was bought):
the product says so rather than silently allowing a cost HMRC would usually refuse. The supplier
alone never raises one: a shop's name says little about what was bought there ("Boots" sells
make-up kit as well as boots).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Category:
    code: str
    box: int
    label: Any
    hint: Any
    #: never allowable (entertainment, depreciation)
    disallowable: bool = False
    #: usually disallowable unless the user confirms it is wholly for the business
    usually_disallowable: bool = False


CATEGORIES: tuple[Category, ...] = (
    Category(
        "goods",
        17,
        _l("Cost of goods bought for resale"),
        _l("Goods you sell on, and materials used up making them."),
    ),
    Category(
        "subcontractors",
        18,
        _l("Construction industry subcontractors"),
        _l("Payments to CIS subcontractors."),
    ),
    Category(
        "staff",
        19,
        _l("Wages, salaries and other staff costs"),
        _l("Assistants you employ; not your own drawings."),
    ),
    Category(
        "travel",
        20,
        _l("Car, van and travel expenses"),
        _l(
            "Train, bus and taxi fares to castings and jobs, hotels, parking. "
            "Mileage goes in the mileage log."
        ),
    ),
    Category(
        "premises",
        21,
        _l("Rent, rates, power and insurance"),
        _l("Studio rent, business insurance, the business share of home costs."),
    ),
    Category(
        "repairs",
        22,
        _l("Repairs and maintenance of property and equipment"),
        _l("Repairing kit and equipment you use for work."),
    ),
    Category(
        "office",
        23,
        _l("Phone, fax, stationery and other office costs"),
        _l("Phone and internet (business share), postage, printing, software."),
    ),
    Category(
        "advertising",
        24,
        _l("Advertising"),
        _l("Headshots, portfolio, showreel, website, Spotlight listing, casting directories."),
    ),
    Category(
        "entertainment",
        24,
        _l("Business entertainment"),
        _l("Entertaining clients or contacts is never allowable for income tax."),
        disallowable=True,
    ),
    Category(
        "interest",
        25,
        _l("Interest on bank and other loans"),
        _l("Interest on business loans and overdrafts."),
    ),
    Category(
        "financial",
        26,
        _l("Bank, credit card and other financial charges"),
        _l("Bank fees, card fees, payment processing charges."),
    ),
    Category(
        "bad_debts",
        27,
        _l("Irrecoverable debts written off"),
        _l("Invoices you have given up on (accruals basis only)."),
    ),
    Category(
        "professional",
        28,
        _l("Accountancy, legal and other professional fees"),
        _l("Agency commission, accountant's fees, Equity or union subscriptions."),
    ),
    Category(
        "depreciation",
        29,
        _l("Depreciation and loss or profit on sale of assets"),
        _l("Never allowable: claim capital allowances (or the cash basis) for equipment instead."),
        disallowable=True,
    ),
    Category(
        "other",
        30,
        _l("Other business expenses"),
        _l("Training, kit and make-up used up at work, trade subscriptions."),
    ),
    Category(
        "clothing",
        30,
        _l("Clothing and costume"),
        _l(
            "Usually disallowable: everyday clothes can be worn outside work (duality of "
            "purpose). Protective clothing, uniforms and costumes for a role are allowable."
        ),
        usually_disallowable=True,
    ),
    Category(
        "grooming",
        30,
        _l("Hair, beauty and grooming"),
        _l(
            "Usually disallowable: personal appearance benefits you outside work too "
            "(duality of purpose)."
        ),
        usually_disallowable=True,
    ),
)

BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
CODES: tuple[str, ...] = tuple(BY_CODE)
#: Category used for agency commission created from remittances.
COMMISSION = "professional"
BOXES = tuple(range(17, 31))


def get(code: str) -> Category:
    return BY_CODE[code]


def choices() -> list[tuple[str, str]]:
    return [(c.code, f"{c.box} · {c.label}") for c in CATEGORIES]


# --------------------------------------------------------------------------- warnings


@dataclass(frozen=True)
class ExpenseWarning:
    code: str
    title: Any
    reason: Any


CLOTHING = "clothing"
GROOMING = "grooming"
ENTERTAINMENT = "entertainment"
DEPRECIATION = "depreciation"

WARNINGS: dict[str, ExpenseWarning] = {
    CLOTHING: ExpenseWarning(
        CLOTHING,
        _l("Clothing is usually not allowable"),
        _l(
            "Everyday clothes and shoes can be worn outside work, so HMRC treats them as having "
            "a dual purpose and refuses them, even if you bought them for a job. Protective "
            "clothing, uniforms and costumes for a specific role are allowable."
        ),
    ),
    GROOMING: ExpenseWarning(
        GROOMING,
        _l("Grooming is usually not allowable"),
        _l(
            "Haircuts, manicures and beauty treatments benefit your personal appearance outside "
            "work too (duality of purpose), so they are usually refused. Hair and make-up done "
            "for a specific shoot or performance can be allowable."
        ),
    ),
    ENTERTAINMENT: ExpenseWarning(
        ENTERTAINMENT,
        _l("Business entertainment is not allowable"),
        _l(
            "Meals, drinks and hospitality for clients or contacts are disallowable for income "
            "tax (SA103F box 24 covers advertising only). Your own subsistence on a work trip "
            "away from your usual base is travel, not entertainment."
        ),
    ),
    DEPRECIATION: ExpenseWarning(
        DEPRECIATION,
        _l("Depreciation is not allowable"),
        _l(
            "Depreciation and losses on selling equipment are added back (SA103F box 29). "
            "Record the purchase of equipment instead: it is claimed through capital "
            "allowances, or as an expense under the cash basis."
        ),
    ),
}

_KEYWORDS: dict[str, tuple[str, ...]] = {
    CLOTHING: (
        "dress",
        "dresses",
        "shoes",
        "shoe",
        "heels",
        "trainers",
        "boots",
        "clothes",
        "clothing",
        "jacket",
        "coat",
        "suit",
        "trousers",
        "jeans",
        "shirt",
        "blouse",
        "skirt",
        "tights",
        "lingerie",
        "underwear",
        "swimwear",
        "outfit",
        "handbag",
    ),
    GROOMING: (
        "haircut",
        "hairdresser",
        "hair cut",
        "barber",
        "salon",
        "manicure",
        "pedicure",
        "nails",
        "nail bar",
        "facial",
        "waxing",
        "wax",
        "spray tan",
        "tanning",
        "eyebrows",
        "brows",
        "lashes",
        "botox",
        "fillers",
        "gym",
        "personal trainer",
        "teeth whitening",
    ),
    ENTERTAINMENT: (
        "lunch with client",
        "dinner with client",
        "client lunch",
        "client dinner",
        "lunch with",
        "dinner with",
        "drinks with",
        "coffee with",
        "entertaining",
        "entertainment",
        "hospitality",
        "client drinks",
        "party",
    ),
    DEPRECIATION: ("depreciation", "loss on sale", "written down value"),
}
_PATTERNS: dict[str, re.Pattern[str]] = {
    code: re.compile(
        r"(?<![\w&])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w&])", re.IGNORECASE
    )
    for code, words in _KEYWORDS.items()
}
_CATEGORY_WARNINGS = {
    "clothing": CLOTHING,
    "grooming": GROOMING,
    "entertainment": ENTERTAINMENT,
    "depreciation": DEPRECIATION,
}


def warning_codes(category: str | None, supplier: str | None, description: str | None) -> list[str]:
    """The warning codes for an expense, category first, then keywords of the description,
    without repeats. *supplier* is not read (see the module's docstring); it stays a parameter
    so that every caller passes the whole expense."""
    found: list[str] = []
    if category in _CATEGORY_WARNINGS:
        found.append(_CATEGORY_WARNINGS[category])
    if description:
        for code, pattern in _PATTERNS.items():
            if code not in found and pattern.search(description):
                found.append(code)
    return found


def warnings_for(
    category: str | None, supplier: str | None, description: str | None
) -> list[ExpenseWarning]:
    return [WARNINGS[c] for c in warning_codes(category, supplier, description)]
