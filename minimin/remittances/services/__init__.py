"""Remittance services: entering, matching, posting, and what agencies still owe.

Services add and flush, never commit (docs/design-rules.md, rule 3). Every function takes or
checks the
owner's ``user_id``.

Public API, one module per sub-feature:

* :mod:`minimin.remittances.inputs` — what the user asks for (decision 0009):
  :class:`RemittanceInput`, :class:`MatchInput`, :class:`PostInput`, :class:`ImportInput`;
* :mod:`.drafts` — :func:`create_remittance`, :func:`update_remittance`,
  :func:`delete_remittance` — a draft from :class:`RemittanceInput` (manual entry or an
  import); listing, loading, and the self-billing warning;
* :mod:`.analysis` — :func:`analyse`, the three-way match of a remittance: job and deposit
  suggestions and the discrepancies (:mod:`minimin.remittances.matching`); :func:`save_match`,
  the user's choice of job per line and of the bank deposit (-> matched);
* :mod:`.posting` — :func:`post_remittance` records the gross income (:class:`AgencyIncome`),
  the commission and its VAT as an expense, marks the jobs paid and reconciles the bank
  deposit; idempotent; :func:`agency_income_pence`, income recorded from remittances in a date
  range (reports);
* :mod:`.settling` — lines whose job the user invoiced settle that invoice (a payment of what
  the agency paid for the job, on the day the money arrived); :func:`posted_settlements`, what
  a posted remittance settled, shortfalls included;
* :mod:`.reading` — :func:`start_pdf_import` and :func:`read_import`: a remittance PDF read
  in the background in a limited child process, with a per-user rate limit;
  :func:`record_csv_import`, a CSV file read at once, recorded as an import (the API's);
* :mod:`.owed` — :func:`owed_by_agencies`, "agency owes you": completed agency jobs not yet
  remitted, with the expected net and age, totals per agency (the remittances page).

This package re-exports their public names, so the views and other features use one
``services`` as before.
"""

from __future__ import annotations

from minimin.remittances.inputs import (
    ImportInput,
    LineInput,
    MatchInput,
    PostInput,
    RemittanceInput,
)
from minimin.remittances.services.analysis import (
    MATCHABLE_STATUSES,
    Analysis,
    agreed_commission_percent,
    analyse,
    candidate_deposits,
    candidate_jobs,
    job_in,
    save_match,
)
from minimin.remittances.services.drafts import (
    create_remittance,
    delete_remittance,
    list_remittances,
    load_remittance,
    self_billing_warning,
    update_remittance,
)
from minimin.remittances.services.errors import RemittanceError
from minimin.remittances.services.owed import (
    OWED_STATUSES,
    AgencyOwed,
    OwedJob,
    owed_by_agencies,
    owed_totals,
)
from minimin.remittances.services.posting import PostResult, agency_income_pence, post_remittance
from minimin.remittances.services.reading import (
    IMPORTS_AT_ONCE,
    IMPORTS_PER_HOUR,
    RATE_LIMITED,
    input_from_parsed,
    is_lost,
    parsed_of,
    problems_of,
    read_import,
    record_csv_import,
    start_pdf_import,
)
from minimin.remittances.services.settling import posted as posted_settlements

__all__ = [
    "IMPORTS_AT_ONCE",
    "IMPORTS_PER_HOUR",
    "MATCHABLE_STATUSES",
    "OWED_STATUSES",
    "RATE_LIMITED",
    "AgencyOwed",
    "Analysis",
    "ImportInput",
    "LineInput",
    "MatchInput",
    "OwedJob",
    "PostInput",
    "PostResult",
    "RemittanceError",
    "RemittanceInput",
    "agency_income_pence",
    "agreed_commission_percent",
    "analyse",
    "candidate_deposits",
    "candidate_jobs",
    "create_remittance",
    "delete_remittance",
    "input_from_parsed",
    "is_lost",
    "job_in",
    "list_remittances",
    "load_remittance",
    "owed_by_agencies",
    "owed_totals",
    "parsed_of",
    "post_remittance",
    "posted_settlements",
    "problems_of",
    "read_import",
    "record_csv_import",
    "save_match",
    "self_billing_warning",
    "start_pdf_import",
    "update_remittance",
]
