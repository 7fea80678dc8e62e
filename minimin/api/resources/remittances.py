"""Agency remittances: entered, changed, deleted, matched to jobs and a deposit, posted, and
imported from an agency's CSV or PDF file, as on their pages."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from flask import Response
from flask_login import current_user
from pydantic import Field, model_validator
from werkzeug.datastructures import FileStorage

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import In, ListQuery, Money, MoneyIn, Out, Page, Text
from minimin.core.tenancy import owned_or_404
from minimin.core.uploads import SIZE_LIMITS, UploadError, read_limited, sniff, validate_pdf
from minimin.remittances import listing, services
from minimin.remittances import models as m
from minimin.remittances.parsers.common import RemittanceParseError
from minimin.remittances.parsers.csv_parser import MAX_CSV_BYTES, parse_csv

Kind = Literal[m.KINDS]  # type: ignore[valid-type]


class RemittanceLineOut(Out):
    position: int
    job_id: uuid.UUID | None
    reference: str | None
    description: str | None
    work_date: dt.date | None
    gross: Money
    fee_vat: Money
    commission: Money
    commission_vat: Money
    expenses: Money
    net: Money


class RemittanceOut(Out):
    id: uuid.UUID
    agency_id: uuid.UUID
    kind: str
    date: dt.date
    reference: str | None
    agency_invoice_number: str | None
    status: str
    currency: str
    total_net: Money
    bank_transaction_id: uuid.UUID | None
    lines: list[RemittanceLineOut]


def _remittance_out(r: m.Remittance) -> RemittanceOut:
    c = r.currency
    return RemittanceOut(
        id=r.id,
        agency_id=r.agency_id,
        kind=r.kind,
        date=r.date,
        reference=r.reference,
        agency_invoice_number=r.agency_invoice_number,
        status=r.status,
        currency=c,
        total_net=Money.of(r.total_net_pence, c),
        bank_transaction_id=r.bank_transaction_id,
        lines=[
            RemittanceLineOut(
                position=line.position,
                job_id=line.job_id,
                reference=line.reference,
                description=line.description,
                work_date=line.work_date,
                gross=Money.of(line.gross_pence, c),
                fee_vat=Money.of(line.fee_vat_pence, c),
                commission=Money.of(line.commission_pence, c),
                commission_vat=Money.of(line.commission_vat_pence, c),
                expenses=Money.of(line.expenses_pence, c),
                net=Money.of(line.net_pence, c),
            )
            for line in r.lines
        ],
    )


@operation(
    "GET",
    "/remittances",
    summary="List remittances",
    tag="remittances",
    scope="remittances:read",
    query=ListQuery,
    response=Page[RemittanceOut],
)
def list_remittances(query: ListQuery) -> Page[RemittanceOut]:
    statement = listing.every_remittance(current_user.id)
    return paging.page(statement, m.Remittance, query, _remittance_out)


@operation(
    "GET",
    "/remittances/<remittance_id>",
    summary="One remittance, with its lines",
    tag="remittances",
    scope="remittances:read",
    response=RemittanceOut,
)
def get_remittance(remittance_id: str) -> RemittanceOut:
    return _remittance_out(owned_or_404(m.Remittance, remittance_id))


# --------------------------------------------------------------------------- writes


def _pence(amount: MoneyIn | None) -> int:
    return amount.pence() if amount is not None else 0


class RemittanceLineIn(In):
    reference: Text(m.REFERENCE_MAX) = ""  # type: ignore[valid-type]
    description: Text(m.DESCRIPTION_MAX) = ""  # type: ignore[valid-type]
    work_date: dt.date | None = None
    gross: MoneyIn
    fee_vat: MoneyIn | None = Field(default=None, description="Only when you are VAT-registered.")
    commission: MoneyIn | None = None
    commission_vat: MoneyIn | None = None
    expenses: MoneyIn | None = Field(default=None, description="Expenses reimbursed.")
    net: MoneyIn = Field(description="What the agency paid for the line.")
    job_id: uuid.UUID | None = Field(
        default=None, description="The job the line pays (or choose it when matching)."
    )

    def to_input(self) -> services.LineInput:
        return services.LineInput(
            reference=self.reference,
            description=self.description,
            work_date=self.work_date,
            gross_pence=self.gross.pence(),
            fee_vat_pence=_pence(self.fee_vat),
            commission_pence=_pence(self.commission),
            commission_vat_pence=_pence(self.commission_vat),
            expenses_pence=_pence(self.expenses),
            net_pence=self.net.pence(),
            job_id=self.job_id,
        )

    def amounts(self) -> list[MoneyIn]:
        found = (self.gross, self.fee_vat, self.commission, self.commission_vat, self.expenses)
        return [a for a in (*found, self.net) if a is not None]


class RemittanceIn(In):
    agency_id: uuid.UUID
    kind: Kind = Field(default=m.REMITTANCE_ADVICE, description="advice or self_billed")
    date: dt.date
    reference: Text(m.REFERENCE_MAX) = ""  # type: ignore[valid-type]
    agency_invoice_number: Text(m.REFERENCE_MAX) = Field(  # type: ignore[valid-type]
        default="", description="The self-billed invoice's number (self_billed only)."
    )
    total_net: MoneyIn | None = Field(
        default=None, description="The total the document states; the lines' sum when left out."
    )
    lines: list[RemittanceLineIn] = Field(min_length=1, max_length=m.MAX_LINES)

    @model_validator(mode="after")
    def _in_pounds(self) -> RemittanceIn:
        amounts = [a for line in self.lines for a in line.amounts()]
        if self.total_net is not None:
            amounts.append(self.total_net)
        if any(a.currency != "GBP" for a in amounts):
            raise ValueError("Remittances are entered in pounds: every amount's currency is GBP.")
        return self

    def to_input(self) -> services.RemittanceInput:
        return services.RemittanceInput(
            agency_id=self.agency_id,
            date=self.date,
            kind=self.kind,
            reference=self.reference,
            agency_invoice_number=self.agency_invoice_number,
            total_net_pence=self.total_net.pence() if self.total_net is not None else None,
            lines=tuple(line.to_input() for line in self.lines),
        )


class LineMatchIn(In):
    position: int = Field(ge=0, lt=m.MAX_LINES, description="The line's position (from 0).")
    job_id: uuid.UUID | None = None


class MatchIn(In):
    lines: list[LineMatchIn] = Field(
        default_factory=list,
        max_length=m.MAX_LINES,
        description="The job of each line; a line not named has no job.",
    )
    bank_transaction_id: uuid.UUID | None = Field(
        default=None, description="The incoming bank transaction that brought the money."
    )

    def to_input(self) -> services.MatchInput:
        positions = [line.position for line in self.lines]
        if len(positions) != len(set(positions)):
            raise ApiProblem(
                422,
                errors=[{"field": "lines", "code": "duplicate", "detail": "Name each line once."}],
            )
        return services.MatchInput(
            {line.position: line.job_id for line in self.lines}, self.bank_transaction_id
        )


class PostIn(In):
    confirm: bool = Field(
        default=False,
        description="You have checked the differences the remittance has and post it anyway.",
    )

    def to_input(self) -> services.PostInput:
        return services.PostInput(confirmed=self.confirm)


class DiscrepancyOut(Out):
    code: str
    line: int | None = Field(description="The line's position, for a line's difference.")
    blocking: bool = Field(description="Posting is refused until it is corrected.")


class MatchOut(Out):
    remittance: RemittanceOut
    discrepancies: list[DiscrepancyOut]


@operation(
    "POST",
    "/remittances",
    summary="Enter a remittance (a draft)",
    tag="remittances",
    scope="remittances:write",
    body=RemittanceIn,
    response=RemittanceOut,
    status=201,
    covers=("remittances.new",),
)
def create_remittance(body: RemittanceIn) -> RemittanceOut:
    """As the remittance form: an agency of yours, each line's gross fee and net paid (and
    its commission, VAT and expenses). Amounts are in pounds (GBP)."""
    return _remittance_out(services.create_remittance(current_user.id, body.to_input()))


@operation(
    "PUT",
    "/remittances/<remittance_id>",
    summary="Change a remittance (its fields and every line)",
    tag="remittances",
    scope="remittances:write",
    body=RemittanceIn,
    response=RemittanceOut,
    covers=("remittances.edit",),
    load=(m.Remittance, "remittance"),
    lock=True,
)
def update_remittance(remittance: m.Remittance, body: RemittanceIn) -> RemittanceOut:
    """The lines sent replace the remittance's. A matched remittance becomes a draft again
    (match it anew); a posted one is a record (409)."""
    return _remittance_out(services.update_remittance(remittance, body.to_input()))


@operation(
    "DELETE",
    "/remittances/<remittance_id>",
    summary="Delete a remittance that is not posted",
    tag="remittances",
    scope="remittances:write",
    status=204,
    covers=("remittances.delete",),
    load=(m.Remittance, "remittance"),
    lock=True,
)
def delete_remittance(remittance: m.Remittance) -> Response:
    """A posted remittance is a record (409)."""
    services.delete_remittance(remittance)
    return Response(status=204)


@operation(
    "POST",
    "/remittances/<remittance_id>/match",
    summary="Match a remittance's lines to jobs and its bank deposit",
    tag="remittances",
    scope="remittances:write",
    body=MatchIn,
    response=MatchOut,
    covers=("remittances.match",),
    load=(m.Remittance, "remittance"),
    lock=True,
)
def match_remittance(remittance: m.Remittance, body: MatchIn) -> MatchOut:
    """As the remittance's page: jobs of this agency's (one line each) and an incoming bank
    transaction not yet reconciled. The answer lists the differences left to check before
    posting (409 once posted)."""
    services.save_match(remittance, body.to_input())
    analysis = services.analyse(remittance)
    return MatchOut(
        remittance=_remittance_out(remittance),
        discrepancies=[
            DiscrepancyOut(code=d.code, line=d.line_index, blocking=d.blocking)
            for d in analysis.discrepancies
        ],
    )


@operation(
    "POST",
    "/remittances/<remittance_id>/post",
    summary="Post a matched remittance",
    tag="remittances",
    scope="remittances:write",
    body=PostIn,
    response=RemittanceOut,
    covers=("remittances.post",),
    load=(m.Remittance, "remittance"),
    lock=True,
)
def post_remittance(remittance: m.Remittance, body: PostIn) -> RemittanceOut:
    """Records the gross fees as income (or as payments of the invoices you sent for the
    jobs), the commission as an expense, marks the jobs paid and reconciles the deposit.
    Send ``{"confirm": true}`` when the match listed differences you have checked. Posting a
    posted remittance again changes nothing; a draft is matched first (409)."""
    return _remittance_out(services.post_remittance(remittance, body.to_input()).remittance)


# --------------------------------------------------------------------------- imports


class ImportIn(In):
    agency_id: uuid.UUID
    kind: Kind = m.REMITTANCE_ADVICE
    date: dt.date | None = Field(
        default=None, description="The remittance's date, for a file that does not state it."
    )

    def to_input(self) -> services.ImportInput:
        return services.ImportInput(agency_id=self.agency_id, kind=self.kind, date=self.date)


class ImportOut(Out):
    id: uuid.UUID
    agency_id: uuid.UUID | None
    kind: str
    status: str = Field(
        description="reading, then read (remittance_id set when every line was read) or unreadable."
    )
    remittance_id: uuid.UUID | None
    problems: list[str] = Field(description="What could not be read.")
    created_at: dt.datetime
    finished_at: dt.datetime | None


def _import_out(job: m.RemittanceImport) -> ImportOut:
    lost = services.is_lost(job)
    status = m.UNREADABLE if lost else job.status
    problems: list[str] = []
    if job.status == m.READ and job.remittance_id is None:
        problems = [str(p) for p in services.parsed_of(job).problems]
    elif job.status == m.UNREADABLE:
        problems = [str(p) for p in services.problems_of(job)]
    return ImportOut(
        id=job.id,
        agency_id=job.agency_id,
        kind=job.kind,
        status=status,
        remittance_id=job.remittance_id,
        problems=problems,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def _file_problem(status: int, detail: object) -> ApiProblem:
    return ApiProblem(
        status, str(detail), errors=[{"field": "file", "code": "file", "detail": str(detail)}]
    )


@operation(
    "POST",
    "/remittance-imports",
    summary="Import a remittance from the agency's CSV or PDF file",
    tag="remittances",
    scope="remittances:write",
    body=ImportIn,
    response=ImportOut,
    status=202,
    upload="file",
    covers=("remittances.import_file",),
)
def import_remittance(body: ImportIn, upload: FileStorage) -> ImportOut:
    """Send the file as multipart/form-data in the part ``file``, with ``agency_id`` (and
    ``kind``; for a CSV file, which states no date, ``date``) as form fields. A CSV file is
    read at once: the answer's ``remittance_id`` is the draft made from it. A PDF is read in
    the background: follow
    ``GET /remittance-imports/{id}`` until its status is ``read`` (with ``remittance_id``
    when every line was read; otherwise finish it on the import's page) or ``unreadable``."""
    try:
        data = read_limited(upload.stream, SIZE_LIMITS["document"])
    except UploadError as exc:
        raise _file_problem(exc.status, exc.message) from exc
    kind = sniff(data)
    if kind == "application/pdf":
        return _import_out(_start_pdf(body.to_input(), data, upload.filename))
    if kind is not None:
        raise _file_problem(415, "This file is neither a CSV nor a PDF file.")
    if len(data) > MAX_CSV_BYTES:
        raise _file_problem(413, "The CSV file is larger than 1 MB.")
    try:
        parsed = parse_csv(data)
    except RemittanceParseError as exc:
        raise _parse_problem([str(p) for p in exc.problems]) from exc
    if parsed.problems:
        raise _parse_problem([str(p) for p in parsed.problems])
    return _import_out(services.record_csv_import(current_user.id, body.to_input(), parsed))


def _parse_problem(problems: list[str]) -> ApiProblem:
    errors = [{"field": "file", "code": "unreadable", "detail": p} for p in problems[:20]]
    return ApiProblem(422, "The file could not be read.", errors=errors)


def _start_pdf(
    data: services.ImportInput, content: bytes, filename: str | None
) -> m.RemittanceImport:
    from minimin.core.tasks import enqueue
    from minimin.remittances.tasks import read_remittance_pdf

    try:
        clean = validate_pdf(content)
        job = services.start_pdf_import(current_user.id, data, clean, filename)
    except UploadError as exc:
        raise _file_problem(exc.status if exc.status != 400 else 422, exc.message) from exc
    except services.RemittanceError as exc:
        if exc.code == services.RATE_LIMITED:
            raise ApiProblem(429, str(exc), headers={"Retry-After": "600"}) from exc
        raise
    enqueue(read_remittance_pdf, str(job.id))
    return job


@operation(
    "GET",
    "/remittance-imports/<import_id>",
    summary="Where an imported remittance file stands",
    tag="remittances",
    scope="remittances:read",
    response=ImportOut,
)
def get_remittance_import(import_id: str) -> ImportOut:
    return _import_out(owned_or_404(m.RemittanceImport, import_id))
