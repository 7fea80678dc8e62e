"""The areas a personal access token may be given, each readable or also writable.

Account, privacy and admin operations are no area: no token can ever reach them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

READ = "read"
WRITE = "write"

#: area -> label shown on the account page.
AREAS = {
    "business": _l("Business profile"),
    "contacts": _l("Clients and agencies"),
    "documents": _l("Contract documents and templates"),
    "jobs": _l("Jobs"),
    "invoices": _l("Invoices, payments and credit notes"),
    "expenses": _l("Expenses and mileage"),
    "banking": _l("Bank accounts and transactions"),
    "remittances": _l("Agency remittances"),
    "ledger": _l("Ledger"),
    "reports": _l("Reports"),
}


#: Areas the API only reads (their changes stay on the pages).
READ_ONLY = frozenset({"ledger"})


def scope(area: str, level: str) -> str:
    return f"{area}:{level}"


def levels_of(area: str) -> tuple[str, ...]:
    return (READ,) if area in READ_ONLY else (READ, WRITE)


ALL_SCOPES = tuple(scope(a, level) for a in AREAS for level in levels_of(a))


def grants(scopes: list[str] | tuple[str, ...], needed: str) -> bool:
    """Whether a token with *scopes* may do *needed* (``area:level``); write includes read."""
    if needed in scopes:
        return True
    area, _sep, level = needed.partition(":")
    return level == READ and scope(area, WRITE) in scopes


def from_levels(levels: dict[str, str]) -> list[str]:
    """Scopes from the form's choice per area: "" (none), "read" or "write"."""
    result = []
    for area in AREAS:
        level = levels.get(area, "")
        if level in levels_of(area):
            result.append(scope(area, level))
    return result
