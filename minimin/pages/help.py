"""The help panel's registry: for each page (endpoint), what it is for, the rule behind its
figures and the user-guide section that explains it. base.html shows the panel through one
include (templates/help_panel.html) for the endpoints listed here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, has_request_context, request
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Help:
    purpose: Any
    rule: Any
    #: The guide heading's anchor (pages/guide.py ``slug``).
    section: str


HELP: dict[str, Help] = {
    "pages.home": Help(
        _l("Your tax year so far: income, expenses, profit and what to set aside for tax."),
        _l(
            "Cash basis: money received and paid. Set aside is the tax on the year's profit "
            "projected from the trend so far, for the part of the year gone."
        ),
        "the-dashboard",
    ),
    "jobs.index": Help(
        _l("Every booking, enquiry and option, with what it is worth."),
        _l(
            "Gross is the fee lines before commission; expected net is after the agency's "
            "commission and the VAT on it."
        ),
        "jobs-bookings",
    ),
    "jobs.to_invoice": Help(
        _l("Completed jobs, and cancellation fees, that no invoice covers yet."),
        _l(
            "A job leaves this list as soon as a draft invoice bills it; deleting the draft "
            "returns it."
        ),
        "jobs-bookings",
    ),
    "jobs.detail": Help(
        _l("One job: its dates, fee lines, commission, status and history."),
        _l(
            "Commission is charged on the commissionable lines only; VAT on commission is added "
            "when the agency charges it."
        ),
        "agency-commission-what-the-agency-should-pay-you",
    ),
    "invoices.index": Help(
        _l("Your invoices, what is owed and how late it is."),
        _l(
            "Outstanding is the total less credit notes and payments (less refunds); lateness "
            "counts from the due date."
        ),
        "invoices",
    ),
    "invoices.credit_note_list": Help(
        _l("Every credit note you have issued."),
        _l(
            "A credit note reduces what its invoice asks for; any part already paid is a refund "
            "due."
        ),
        "invoices",
    ),
    "contacts.clients": Help(
        _l("The businesses and people you invoice directly."),
        _l("A client that jobs or invoices refer to is archived rather than deleted."),
        "clients-and-agencies",
    ),
    "contacts.client_detail": Help(
        _l("A client's details and account: what they owe you, how old it is, and their work."),
        _l(
            "The balance is the client's debtor account in your books: invoices less credit "
            "notes, payments and refunds."
        ),
        "clients-and-agencies",
    ),
    "contacts.agencies": Help(
        _l("The agencies that book you, with their commission terms."),
        _l(
            "A job for an agency takes the agency's commission rate for its kind of work unless "
            "the job says otherwise."
        ),
        "clients-and-agencies",
    ),
    "contacts.agency_detail": Help(
        _l("An agency's terms and account: what it owes you, by job and remittance."),
        _l("An agency owes the gross fee of each job done until a remittance pays it."),
        "clients-and-agencies",
    ),
    "expenses.index": Help(
        _l("Your business expenses, by SA103F box."),
        _l("Allowable is the business share of the amount (less any VAT you reclaim)."),
        "expenses",
    ),
    "expenses.mileage": Help(
        _l("Business journeys valued at the simplified mileage rates."),
        _l(
            "Cars and vans: 45p a mile for the first 10,000 business miles of the tax year, 25p "
            "after; motorcycles 24p."
        ),
        "mileage",
    ),
    "banking.index": Help(
        _l("Your bank accounts, statement imports and what is still to match."),
        _l(
            "A bank line is reconciled when it is matched to an invoice, expense or remittance, "
            "or categorised."
        ),
        "banking",
    ),
    "banking.account": Help(
        _l("One bank account's transactions."),
        _l("Money in is positive, money out negative, as on your statement."),
        "banking",
    ),
    "remittances.index": Help(
        _l("Agencies' remittance advices and self-billed statements."),
        _l(
            "Posting one records each job's gross fee as income and the agency's commission as an "
            "expense."
        ),
        "agency-remittances",
    ),
    "reports.index": Help(
        _l("Every report, for your tax return, VAT and your accountant."),
        _l("Every figure is read from the same journal, so reports agree with each other."),
        "reports",
    ),
    "reports.self_assessment_page": Help(
        _l("An estimate of your income tax and Class 4 National Insurance."),
        _l(
            "The bands and rates of the chosen tax year; payments on account when the bill is "
            "£1,000 or more."
        ),
        "reports",
    ),
    "tax.vat_index": Help(
        _l("Your VAT periods and returns."),
        _l("The nine boxes are worked out from invoices, credit notes and expenses by tax point."),
        "vat-return",
    ),
    "tax.mtd": Help(
        _l("Whether Making Tax Digital for Income Tax applies to you, and its quarters."),
        _l(
            "It applies from the qualifying income thresholds: turnover from self-employment and "
            "property."
        ),
        "making-tax-digital-for-income-tax",
    ),
    "tax.export_index": Help(
        _l("One file with everything your accountant needs for a tax year."),
        _l("The files are built from your records when you ask; a shared link expires."),
        "accountant-export",
    ),
    "ledger.index": Help(
        _l("The double-entry journal behind every figure."),
        _l("Every record posts balanced entries; the trial balance always sums to zero."),
        "the-journal-for-your-accountant",
    ),
    "quotes.send": Help(
        _l("Send this job's fee lines as a quote the client can accept online."),
        _l("Accepted before it expires, the quote confirms the job."),
        "jobs-bookings",
    ),
}


def register_help(app: Flask) -> None:
    @app.context_processor
    def _page_help() -> dict[str, Any]:
        # Emails are rendered by background jobs too, where there is no request.
        if not has_request_context():
            return {"page_help": None}
        return {"page_help": HELP.get(request.endpoint or "")}
