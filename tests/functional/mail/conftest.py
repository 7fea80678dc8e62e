"""Email tests reuse the invoice journeys' signed-in business with a client and an agency."""

from tests.functional.invoices.conftest import business  # noqa: F401
