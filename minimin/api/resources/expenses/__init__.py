"""Expenses (with their receipts), recurring expenses and mileage journeys: listed, read,
recorded, changed and deleted as on their pages, through the same services.

One module per resource; :mod:`.costs` holds what an expense and a recurring expense share
(the amount with its VAT, the category and the business share), declared once.
"""

# isort: off
# Each module registers its operations, in the order of the documentation.
from minimin.api.resources.expenses import items  # noqa: F401
from minimin.api.resources.expenses import recurring  # noqa: F401
from minimin.api.resources.expenses import journeys  # noqa: F401

# isort: on
