"""What a user fills in for each banking write (docs/decisions/0009-typed-service-inputs.md).

Both front doors build these: the banking pages from their forms, the JSON API from its body
models (``to_input()``). Their fields are already parsed values, named as the form's fields and
the API body's members are named, so a service's refusal (``BankingError(message, field)``)
lands on the same field at either door.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BankAccountInput:
    """A bank account as the user names it; the currency is chosen once, when it is added."""

    name: str
    last_four: str | None = None
    currency: str = "GBP"


@dataclass(frozen=True)
class StatementInput:
    """An uploaded statement file (CSV, OFX or QFX)."""

    data: bytes
    filename: str | None = None


@dataclass(frozen=True)
class ColumnsInput:
    """The columns of a CSV statement whose layout Minimin did not know: each a 0-based column
    index of the file, or None for none."""

    date: int | None
    description: int | None = None
    amount: int | None = None
    money_in: int | None = None
    money_out: int | None = None
    counterparty: int | None = None
    reference: int | None = None
    #: "dmy", "mdy" or "ymd"; None to decide from the dates.
    date_order: str | None = None
    remember: bool = True


@dataclass(frozen=True)
class Allocation:
    """One part of a match: *amount_pence* of the line pays the target of *kind*
    (``invoice``, ``payment``, ``remittance``, ``job``, ``expense``)."""

    kind: str
    target_id: uuid.UUID
    amount_pence: int
    reason: str = ""


@dataclass(frozen=True)
class MatchInput:
    """What a bank line pays: one allocation, or several to split it."""

    allocations: tuple[Allocation, ...]


@dataclass(frozen=True)
class CategoryInput:
    """A bank line's category (None clears it); its client and agency are left as they are."""

    category: str | None


@dataclass(frozen=True)
class ContactInput:
    """The client and the agency a bank line is with (either may be None)."""

    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None


@dataclass(frozen=True)
class IgnoreInput:
    """Leave a bank line out of reconciliation (a transfer between own accounts, personal
    spending), or include it again."""

    ignored: bool


@dataclass(frozen=True)
class SuggestionTarget:
    kind: str
    target_id: uuid.UUID


@dataclass(frozen=True)
class RejectInput:
    """A suggestion the user dismissed: the targets it offered (never offered again for this
    line)."""

    targets: tuple[SuggestionTarget, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ExpenseFromLineInput:
    """The expense category of an outgoing line made into an expense (None: the line's own
    category when it is an expense category, else "other")."""

    category: str | None = None


@dataclass(frozen=True)
class RuleInput:
    """A categorisation rule: which lines it matches and what it sets on them."""

    match_kind: str = "contains"
    pattern: str = ""
    direction: str = "any"
    min_pence: int | None = None
    max_pence: int | None = None
    category: str | None = None
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None


@dataclass(frozen=True)
class RuleMoveInput:
    """Try a rule one place earlier ("up") or later ("down")."""

    direction: str
