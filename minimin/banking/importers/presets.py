"""Column layouts of UK banks' CSV exports, chosen automatically when the header matches.

Each preset names the export's header columns (as the banks document or write them) and which
of them holds the date, the signed amount (or the money-in and money-out columns), the
description, the payee, the reference and the bank's own id. Header names compare without case
or surrounding spaces. Pure data and functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    #: Every one of these header cells must be present for the preset to apply.
    header: tuple[str, ...]
    date: str
    description: str
    amount: str | None = None
    money_in: str | None = None
    money_out: str | None = None
    counterparty: str | None = None
    reference: str | None = None
    fitid: str | None = None
    #: Subtracted from the amount (Revolut reports its fee separately).
    fee: str | None = None
    #: Rows whose ``status`` column holds one of ``skip_statuses`` are not transactions.
    status: str | None = None
    skip_statuses: tuple[str, ...] = ()
    date_order: str | None = "dmy"
    #: For files without a header row: the column count that identifies the layout.
    headerless_columns: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def mapping(self, header: list[str]) -> dict[str, object]:
        """Column indexes of this preset within *header*."""
        index = {norm(cell): i for i, cell in reversed(list(enumerate(header)))}

        def col(name: str | None) -> int | None:
            return None if name is None else index.get(norm(name))

        return {
            "preset": self.key,
            "date": col(self.date),
            "description": col(self.description),
            "amount": col(self.amount),
            "money_in": col(self.money_in),
            "money_out": col(self.money_out),
            "counterparty": col(self.counterparty),
            "reference": col(self.reference),
            "fitid": col(self.fitid),
            "fee": col(self.fee),
            "status": col(self.status),
            "skip_statuses": list(self.skip_statuses),
            "date_order": self.date_order,
        }


def norm(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').casefold().split())


PRESETS: tuple[Preset, ...] = (
    Preset(
        "monzo",
        "Monzo",
        header=("Transaction ID", "Date", "Time", "Type", "Name", "Category", "Amount", "Currency"),
        date="Date",
        description="Description",
        amount="Amount",
        counterparty="Name",
        reference="Notes and #tags",
        fitid="Transaction ID",
    ),
    Preset(
        "starling",
        "Starling",
        header=("Date", "Counter Party", "Reference", "Type", "Amount (GBP)", "Balance (GBP)"),
        date="Date",
        description="Reference",
        amount="Amount (GBP)",
        counterparty="Counter Party",
        reference="Reference",
    ),
    Preset(
        "barclays",
        "Barclays",
        header=("Number", "Date", "Account", "Amount", "Subcategory", "Memo"),
        date="Date",
        description="Memo",
        amount="Amount",
        reference="Number",
    ),
    Preset(
        "lloyds",
        "Lloyds",
        header=(
            "Transaction Date",
            "Transaction Type",
            "Sort Code",
            "Account Number",
            "Transaction Description",
            "Debit Amount",
            "Credit Amount",
            "Balance",
        ),
        date="Transaction Date",
        description="Transaction Description",
        money_in="Credit Amount",
        money_out="Debit Amount",
    ),
    Preset(
        "natwest",
        "NatWest",
        header=(
            "Date",
            "Type",
            "Description",
            "Value",
            "Balance",
            "Account Name",
            "Account Number",
        ),
        date="Date",
        description="Description",
        amount="Value",
    ),
    Preset(
        "santander",
        "Santander",
        header=("Date", "Description", "Money in", "Money out", "Balance"),
        date="Date",
        description="Description",
        money_in="Money in",
        money_out="Money out",
    ),
    Preset(
        "nationwide",
        "Nationwide",
        header=("Date", "Transaction type", "Description", "Paid out", "Paid in", "Balance"),
        date="Date",
        description="Description",
        money_in="Paid in",
        money_out="Paid out",
        counterparty=None,
        reference="Transaction type",
    ),
    Preset(
        "nationwide_2024",
        "Nationwide",
        header=("Date", "Transactions", "Location", "Paid out", "Paid in"),
        date="Date",
        description="Transactions",
        money_in="Paid in",
        money_out="Paid out",
        reference="Location",
    ),
    Preset(
        "revolut",
        "Revolut",
        header=(
            "Type",
            "Product",
            "Started Date",
            "Completed Date",
            "Description",
            "Amount",
            "Fee",
            "Currency",
            "State",
        ),
        date="Completed Date",
        description="Description",
        amount="Amount",
        fee="Fee",
        status="State",
        skip_statuses=("declined", "reverted", "failed", "pending"),
        date_order="ymd",
    ),
    Preset(
        "hsbc",
        "HSBC",
        header=("Date", "Description", "Amount"),
        date="Date",
        description="Description",
        amount="Amount",
        headerless_columns=3,
    ),
)

BY_KEY = {preset.key: preset for preset in PRESETS}


def match_header(header: list[str]) -> Preset | None:
    """The preset whose header columns are all in *header* (the most specific one wins)."""
    cells = {norm(cell) for cell in header}
    best: Preset | None = None
    for preset in PRESETS:
        matches = all(norm(name) in cells for name in preset.header)
        if matches and (best is None or len(preset.header) > len(best.header)):
            best = preset
    return best


_GUESSES = {
    "date": ("date", "transaction date", "posted", "posting date", "value date", "completed date"),
    "description": (
        "description",
        "transaction description",
        "details",
        "memo",
        "narrative",
        "transactions",
        "particulars",
    ),
    "amount": ("amount", "value", "amount (gbp)", "transaction amount"),
    "money_in": ("money in", "paid in", "credit", "credit amount", "in", "credits"),
    "money_out": ("money out", "paid out", "debit", "debit amount", "out", "debits"),
    "counterparty": ("name", "payee", "counter party", "counterparty", "payer"),
    "reference": ("reference", "ref"),
    "fitid": ("transaction id", "id", "fitid"),
}


def guess_mapping(header: list[str]) -> dict[str, object]:
    """A best guess for a header no preset knows: the first column named like each field."""
    cells = [norm(cell) for cell in header]
    mapping: dict[str, object] = {"preset": None, "date_order": None, "skip_statuses": []}
    for field_name, names in _GUESSES.items():
        mapping[field_name] = next((i for i, cell in enumerate(cells) if cell in names), None)
    if mapping["amount"] is not None:
        mapping["money_in"] = mapping["money_out"] = None
    mapping["fee"] = mapping["status"] = None
    return mapping


def looks_like_header(row: list[str]) -> bool:
    """A row naming a date column and some amount column."""
    cells = {norm(cell) for cell in row}
    has_date = any("date" in cell for cell in cells)
    has_money = any(
        word in cell
        for cell in cells
        for word in ("amount", "value", "paid", "money", "debit", "credit")
    )
    return has_date and has_money
