"""The API's operations, one module per area, in the order of the documentation."""

from minimin.api.resources import (  # noqa: F401 - each module registers its operations
    banking,
    business,
    contacts,
    documents,
    expenses,
    invoices,
    jobs,
    ledger,
    quotes,
    remittances,
    reports,
)
