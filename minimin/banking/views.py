"""Banking pages at /banking: thin views over banking.services."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.banking import forms, inputs, listing, rules, services
from minimin.banking.importers import StatementError, StatementErrors
from minimin.banking.models import (
    DONE,
    FAILED,
    IGNORED,
    MATCH_INVOICE,
    MATCH_JOB,
    MATCH_KINDS,
    PENDING,
    RECONCILIATION_LABELS,
    BankAccount,
    BankMatch,
    BankTransaction,
    CategoryRule,
    ImportJob,
)
from minimin.core import listing_params
from minimin.core.forms import select_choices
from minimin.core.money import Money, MoneyError, format_money, parse_money
from minimin.core.security import USER, classify_blueprint
from minimin.core.storage import StorageError
from minimin.core.templating import uk_date
from minimin.core.tenancy import owned_or_404
from minimin.core.tenancy import parse_uuid as _parse_uuid
from minimin.core.transaction import all_or_nothing
from minimin.core.web import ViewResult, apply_user_error, page_count, page_number
from minimin.ledger.rules.banking import AGENCY_PAYMENT, INCOME

bp = Blueprint(
    "banking",
    __name__,
    url_prefix="/banking",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
classify_blueprint(bp, USER)

PER_PAGE = 50
SPLIT_CHOICES = 100


@bp.app_template_filter("bank_money")
def bank_money(pence: int | None, currency: str = "GBP") -> str:
    if pence is None:
        return ""
    return format_money(Money.from_pence(int(pence), currency), locale=str(get_locale()))


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"category_labels": rules.ALL_CATEGORIES, "state_labels": RECONCILIATION_LABELS}


def _uuid(value: Any) -> uuid.UUID | None:
    return _parse_uuid(value)


def _contact_choices(form: Any, keep_client: Any = None, keep_agency: Any = None) -> None:
    """The user's clients and agencies as the choices of *form*'s ``client_id`` and
    ``agency_id`` (an archived one is kept when it is the current choice)."""
    from minimin.jobs.services import contact_choices

    clients, agencies = contact_choices(current_user.id, keep_client, keep_agency)
    form.client_id.choices = select_choices([("", _("(none)")), *clients])
    form.agency_id.choices = select_choices([("", _("(none)")), *agencies])


def _contact_names(found: Any) -> dict[uuid.UUID, str]:
    """Names of the clients and agencies the rules or transactions *found* point at."""
    return listing.contact_names(current_user.id, found)


# --------------------------------------------------------------------------- overview and accounts


@bp.get("/")
def index() -> ViewResult:
    accounts = listing.accounts(current_user.id)
    summary = services.unreconciled_summary(current_user.id)
    imports = listing.recent_imports(current_user.id, limit=10)
    names = {a.id: a.label for a in accounts}
    return render_template(
        "banking/index.html", accounts=accounts, summary=summary, imports=imports, names=names
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
def new_account() -> ViewResult:
    form = forms.AccountForm()
    if form.validate_on_submit():
        try:
            account = services.create_account(
                current_user.id,
                inputs.BankAccountInput(
                    name=form.name.data,
                    last_four=form.last_four.data or None,
                    currency=form.currency.data,
                ),
            )
        except services.BankingError as exc:
            apply_user_error(form, exc, default="last_four")
        else:
            flash(_("Bank account added."), "success")
            return redirect(url_for("banking.account", account_id=account.id))
    status = 400 if request.method == "POST" else 200
    return render_template("banking/account_form.html", form=form, account=None), status


@bp.route("/accounts/<account_id>/edit", methods=["GET", "POST"])
def edit_account(account_id: str) -> ViewResult:
    account = owned_or_404(BankAccount, account_id)
    form = forms.AccountForm(obj=account)
    del form.currency
    if form.validate_on_submit():
        try:
            services.update_account(
                account,
                inputs.BankAccountInput(
                    name=form.name.data,
                    last_four=form.last_four.data or None,
                    currency=account.currency,
                ),
            )
        except services.BankingError as exc:
            apply_user_error(form, exc, default="last_four")
        else:
            flash(_("Bank account saved."), "success")
            return redirect(url_for("banking.account", account_id=account.id))
    status = 400 if request.method == "POST" else 200
    return render_template("banking/account_form.html", form=form, account=account), status


@bp.post("/accounts/<account_id>/delete")
def delete_account(account_id: str) -> ViewResult:
    account = owned_or_404(BankAccount, account_id)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.delete_account(account)
    except services.BankingError as exc:
        flash(str(exc), "error")
        return redirect(url_for("banking.account", account_id=account.id))
    flash(_("Bank account deleted."), "success")
    return redirect(url_for("banking.index"))


@bp.get("/accounts/<account_id>")
def account(account_id: str) -> ViewResult:
    acct = owned_or_404(BankAccount, account_id)
    state = request.args.get("state", "")
    params = listing.parse(request.args)
    page = page_number(request.args)
    txns, total = listing.account_page(acct, state, params, page=page, per_page=PER_PAGE)
    return render_template(
        "banking/account.html",
        account=acct,
        params=params,
        txns=txns,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        state=state,
        contact_names=_contact_names(txns),
        action_form=forms.ActionForm(),
    )


@bp.route("/accounts/<account_id>/transactions.csv")
def account_csv(account_id: str) -> Response:
    """The account's transactions as filtered, searched and sorted, as a formula-safe CSV."""
    acct = owned_or_404(BankAccount, account_id)
    params = listing.parse(request.args)
    txns = listing.account_transactions(acct, request.args.get("state", ""), params)
    header = [_("Date"), _("Counterparty"), _("Description"), _("Reference"), _("Currency")]
    header += [_("Amount"), _("Category"), _("State")]
    return listing_params.csv_response(
        "bank-transactions.csv",
        header,
        txns,
        lambda t: [
            t.posted_on,
            t.counterparty,
            t.description,
            t.reference,
            t.currency,
            listing_params.pounds(t.amount_pence),
            t.category,
            str(t.state_label),
        ],
    )


# --------------------------------------------------------------------------- imports


@bp.route("/accounts/<account_id>/import", methods=["GET", "POST"])
def upload(account_id: str) -> ViewResult:
    acct = owned_or_404(BankAccount, account_id)
    form = forms.UploadForm()
    errors: list[str] = []
    if form.validate_on_submit():
        data = form.statement.data.read()
        try:
            job, _inspection = services.upload_statement(
                acct, inputs.StatementInput(data, form.statement.data.filename)
            )
        except StatementErrors as exc:
            errors = [str(e) for e in exc.errors]
        else:
            if job.status == PENDING:
                return redirect(url_for("banking.mapping", job_id=job.id))
            return redirect(url_for("banking.import_status", job_id=job.id))
    status = 400 if request.method == "POST" else 200
    return render_template("banking/upload.html", form=form, account=acct, errors=errors), status


def _mapping_choice(value: Any) -> str:
    return "" if value is None else str(value)


@bp.route("/imports/<job_id>/columns", methods=["GET", "POST"])
def mapping(job_id: str) -> ViewResult:
    job = owned_or_404(ImportJob, job_id)
    if job.status != PENDING:
        return redirect(url_for("banking.import_status", job_id=job.id))
    try:
        inspection = services.inspect_job(job)
    except (StatementErrors, StatementError, StorageError) as exc:
        problems = exc.errors if isinstance(exc, StatementErrors) else [exc]
        flash(" ".join(str(e) for e in problems) or _("The statement cannot be read."), "error")
        return redirect(url_for("banking.upload", account_id=job.bank_account_id))
    form = forms.MappingForm()
    form.set_columns(inspection.header)
    if request.method == "GET":
        for name in (
            "date",
            "description",
            "amount",
            "money_in",
            "money_out",
            "counterparty",
            "reference",
        ):
            getattr(form, name).data = _mapping_choice(inspection.mapping.get(name))
        form.date_order.data = inspection.date_order or ""
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            services.choose_columns(job, _columns_input(form), inspection)
        except StatementErrors as exc:
            errors = [str(e) for e in exc.errors]
            if exc.more:
                errors.append(_("and %(n)d more problems", n=exc.more))
        except services.BankingError as exc:
            apply_user_error(form, exc)
            errors = list(form.form_errors)
        else:
            return redirect(url_for("banking.import_status", job_id=job.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "banking/mapping.html", job=job, inspection=inspection, form=form, errors=errors
    ), status


def _columns_input(form: forms.MappingForm) -> inputs.ColumnsInput:
    def column(name: str) -> int | None:
        raw = getattr(form, name).data
        return int(raw) if raw else None

    return inputs.ColumnsInput(
        date=column("date"),
        description=column("description"),
        amount=column("amount"),
        money_in=column("money_in"),
        money_out=column("money_out"),
        counterparty=column("counterparty"),
        reference=column("reference"),
        date_order=form.date_order.data or None,
        remember=bool(form.remember.data),
    )


@bp.get("/imports/<job_id>")
def import_status(job_id: str) -> ViewResult:
    job = owned_or_404(ImportJob, job_id)
    if job.status == PENDING:
        return redirect(url_for("banking.mapping", job_id=job.id))
    return render_template(
        "banking/import_status.html", job=job, finished=job.status in (DONE, FAILED)
    )


@bp.get("/imports/<job_id>/status.json")
def import_status_json(job_id: str) -> Response:
    job = owned_or_404(ImportJob, job_id)
    response = jsonify(
        status=job.status,
        percent=job.percent,
        rows_done=job.rows_done,
        rows_total=job.rows_total,
        added=job.added,
        duplicates=job.duplicates,
        errors=job.errors or [],
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- reconciliation


@bp.get("/unreconciled")
def unreconciled() -> ViewResult:
    account_id = _uuid(request.args.get("account"))
    direction = request.args.get("direction", "")
    page = page_number(request.args)
    txns, total = services.unreconciled_page(
        current_user.id, account_id=account_id, direction=direction, page=page, per_page=PER_PAGE
    )
    found = services.suggestions(current_user.id, txns) if txns else {}
    learned = services.learned_categories(current_user.id, {t.payee_key for t in txns})
    accounts = listing.accounts(current_user.id)
    summary = services.unreconciled_summary(current_user.id)
    return render_template(
        "banking/unreconciled.html",
        txns=txns,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        suggestions=found,
        learned=learned,
        accounts=accounts,
        summary=summary,
        account_id=account_id,
        direction=direction,
        action_form=forms.ActionForm(),
    )


def _txn(txn_id: str) -> BankTransaction:
    return owned_or_404(BankTransaction, txn_id)


@bp.get("/transactions/<txn_id>")
def transaction(txn_id: str) -> ViewResult:
    txn = _txn(txn_id)
    found = services.suggestions(current_user.id, [txn]).get(txn.id, [])
    learned = services.learned_categories(current_user.id, [txn.payee_key]).get(txn.payee_key)
    category_form = forms.CategoryForm(category=txn.category or learned or "")
    contact_form = forms.ContactForm(
        client_id=str(txn.client_id or ""), agency_id=str(txn.agency_id or "")
    )
    _contact_choices(contact_form, txn.client_id, txn.agency_id)
    split_invoices = []
    split_jobs = []
    if txn.amount_pence > 0 and txn.open_pence > 0:
        split_invoices = sorted(
            services.open_invoices(current_user.id),
            key=lambda i: (i.issue_date is None, i.issue_date, i.number),
        )[:SPLIT_CHOICES]
        split_jobs = services.expected_agency_payments(current_user.id)[:SPLIT_CHOICES]
    return render_template(
        "banking/transaction.html",
        txn=txn,
        suggestions=found,
        learned=learned,
        category_form=category_form,
        contact_form=contact_form,
        contact_names=_contact_names([txn]),
        expense_form=forms.ExpenseFromTxnForm(
            category=txn.category if txn.category in rules.EXPENSE_CATEGORIES else "other"
        ),
        action_form=forms.ActionForm(),
        split_invoices=split_invoices,
        split_jobs=split_jobs,
        targets=_target_labels(txn),
        income_without_document=_income_without_document(txn),
    )


def _income_without_document(txn: BankTransaction) -> bool:
    """Whether part of *txn* counts as income only because of its category (no invoice or
    remittance behind it): the page says so and points to the document to post instead."""
    return (
        txn.category in (INCOME, AGENCY_PAYMENT)
        and txn.reconciliation != IGNORED
        and abs(txn.amount_pence) > txn.reconciled_pence
    )


def _target_labels(txn: BankTransaction) -> dict[uuid.UUID, str]:
    found = listing.match_targets(txn)
    labels = dict(found.labels)
    for pid, (paid_on, number) in found.payments.items():
        labels[pid] = _("payment of %(n)s recorded on %(date)s", n=number, date=uk_date(paid_on))
    return labels


def _back(txn: BankTransaction) -> Response:
    target = request.form.get("back")
    if target == "list":
        return redirect(url_for("banking.unreconciled"))
    return redirect(url_for("banking.transaction", txn_id=txn.id))


def _fail(txn: BankTransaction, message: str) -> Response:
    flash(message, "error")
    response = _back(txn)
    # A refused action keeps nothing; the redirect is still a redirect.
    return response


@bp.post("/transactions/<txn_id>/accept")
def accept(txn_id: str) -> ViewResult:
    """Accept a suggestion: ``key`` is the suggestion's targets as shown on the page."""
    txn = _txn(txn_id)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    offered = services.suggestions(current_user.id, [txn]).get(txn.id, [])
    chosen = next((s for s in offered if s.key() == form.key.data), None)
    if chosen is None:
        return _fail(txn, _("That suggestion is no longer available."))
    allocations = [
        inputs.Allocation(t.kind, t.id, t.amount_pence, "; ".join(str(r) for r in chosen.reasons))
        for t in chosen.targets
    ]
    return _allocate(txn, allocations)


def _allocate(txn: BankTransaction, allocations: list[inputs.Allocation]) -> ViewResult:
    try:
        with all_or_nothing(txn):
            services.match(txn, inputs.MatchInput(tuple(allocations)))
    except services.BankingError as exc:
        return _fail(txn, str(exc))
    flash(_("Matched."), "success")
    return _back(txn)


@bp.post("/transactions/<txn_id>/split")
def split(txn_id: str) -> ViewResult:
    """Match one transaction to several invoices / agency jobs with the amounts entered."""
    txn = _txn(txn_id)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    allocations = []
    for name, raw in request.form.items():
        if not name.startswith(("amount-invoice-", "amount-job-")) or not raw.strip():
            continue
        kind = MATCH_INVOICE if name.startswith("amount-invoice-") else MATCH_JOB
        target = _uuid(name[len(f"amount-{kind}-") :])
        if target is None:
            abort(400)
        try:
            money = parse_money(raw, currency=txn.currency, max_pence=10_000_000_000)
        except MoneyError as exc:
            return _fail(txn, _("Amount “%(value)s”: %(error)s", value=raw[:40], error=str(exc)))
        if money.pence:
            allocations.append(inputs.Allocation(kind, target, money.pence, "split"))
        if len(allocations) > SPLIT_CHOICES:
            abort(400)
    if not allocations:
        return _fail(txn, _("Enter the amount paid towards at least one invoice or job."))
    return _allocate(txn, allocations)


@bp.post("/transactions/<txn_id>/reject")
def reject(txn_id: str) -> ViewResult:
    txn = _txn(txn_id)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    targets = []
    for part in (form.key.data or "").split(","):
        pieces = part.split(":")
        target = _uuid(pieces[1]) if len(pieces) == 3 else None
        if target is None or pieces[0] not in MATCH_KINDS:
            abort(400)
        targets.append(inputs.SuggestionTarget(pieces[0], target))
    services.reject(txn, inputs.RejectInput(tuple(targets)))
    flash(_("Suggestion dismissed."), "success")
    return _back(txn)


@bp.post("/transactions/<txn_id>/ignore")
def ignore(txn_id: str) -> ViewResult:
    txn = _txn(txn_id)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_ignored(txn, inputs.IgnoreInput(ignored=txn.reconciliation != IGNORED))
    except services.BankingError as exc:
        return _fail(txn, str(exc))
    return _back(txn)


@bp.post("/transactions/<txn_id>/expense")
def create_expense(txn_id: str) -> ViewResult:
    txn = _txn(txn_id)
    form = forms.ExpenseFromTxnForm()
    if not form.validate_on_submit():
        return _fail(txn, _("Choose an expense category."))
    try:
        with all_or_nothing(txn):
            expense = services.expense_from_transaction(
                txn, inputs.ExpenseFromLineInput(category=form.category.data or None)
            )
    except services.BankingError as exc:
        return _fail(txn, str(exc))
    flash(_("Expense created."), "success")
    if request.form.get("back") == "list":
        return redirect(url_for("banking.unreconciled"))
    return redirect(url_for("expenses.detail", expense_id=expense.id))


@bp.post("/transactions/<txn_id>/category")
def set_category(txn_id: str) -> ViewResult:
    txn = _txn(txn_id)
    form = forms.CategoryForm()
    if not form.validate_on_submit():
        return _fail(txn, _("Choose a category from the list."))
    try:
        services.set_category(txn, inputs.CategoryInput(category=form.category.data or None))
    except services.BankingError as exc:
        return _fail(txn, str(exc))
    flash(_("Category saved."), "success")
    return _back(txn)


@bp.post("/transactions/<txn_id>/contact")
def set_contact(txn_id: str) -> ViewResult:
    """Set (or clear) the client and the agency of one transaction."""
    txn = _txn(txn_id)
    form = forms.ContactForm()
    _contact_choices(form, txn.client_id, txn.agency_id)
    if not form.validate_on_submit():
        return _fail(txn, _("Choose a client and an agency from the lists."))
    try:
        services.set_contacts(
            txn,
            inputs.ContactInput(
                client_id=_uuid(form.client_id.data) if form.client_id.data else None,
                agency_id=_uuid(form.agency_id.data) if form.agency_id.data else None,
            ),
        )
    except services.BankingError as exc:
        return _fail(txn, str(exc))
    flash(_("Client and agency saved."), "success")
    return _back(txn)


@bp.post("/transactions/<txn_id>/matches/<match_id>/undo")
def undo_match(txn_id: str, match_id: str) -> ViewResult:
    txn = _txn(txn_id)
    match = owned_or_404(BankMatch, match_id)
    if match.transaction_id != txn.id:
        abort(404)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.undo_match(match)
    except services.BankingError as exc:
        return _fail(txn, str(exc))
    flash(_("Match removed."), "success")
    return _back(txn)


# --------------------------------------------------------------------------- rules


def _fill_rule_form(form: forms.RuleForm, rule: CategoryRule) -> None:
    form.match_kind.data = rule.match_kind
    form.pattern.data = rule.pattern
    form.direction.data = rule.direction
    for field, pence in ((form.min_amount, rule.min_pence), (form.max_amount, rule.max_pence)):
        field.data = None if pence is None else Money.from_pence(pence, field.currency).amount
    form.category.data = rule.category or ""
    form.client_id.data = str(rule.client_id) if rule.client_id else ""
    form.agency_id.data = str(rule.agency_id) if rule.agency_id else ""


def _save_rule_form(form: forms.RuleForm, rule: CategoryRule | None = None) -> bool:
    """Save the rule the form describes (a new one, or *rule*); False, with the refusal on the
    form, when the service refuses it."""
    data = inputs.RuleInput(
        match_kind=form.match_kind.data,
        pattern=form.pattern.data or "",
        direction=form.direction.data,
        min_pence=form.min_amount.pence if form.min_amount.data is not None else None,
        max_pence=form.max_amount.pence if form.max_amount.data is not None else None,
        category=form.category.data or None,
        client_id=_uuid(form.client_id.data) if form.client_id.data else None,
        agency_id=_uuid(form.agency_id.data) if form.agency_id.data else None,
    )
    try:
        if rule is None:
            services.create_rule(current_user.id, data)
        else:
            services.update_rule(rule, data)
    except services.BankingError as exc:
        apply_user_error(form, exc, default="pattern")
        return False
    return True


@bp.route("/rules", methods=["GET", "POST"])
def rules_page() -> ViewResult:
    form = forms.RuleForm()
    _contact_choices(form)
    if form.validate_on_submit() and _save_rule_form(form):
        flash(_("Rule added."), "success")
        return redirect(url_for("banking.rules_page"))
    found = services.ordered_rules(current_user.id)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "banking/rules.html",
        form=form,
        rules=found,
        contact_names=_contact_names(found),
        action_form=forms.ActionForm(),
    ), status


@bp.route("/rules/<rule_id>/edit", methods=["GET", "POST"])
def edit_rule(rule_id: str) -> ViewResult:
    rule = owned_or_404(CategoryRule, rule_id)
    form = forms.RuleForm()
    _contact_choices(form, rule.client_id, rule.agency_id)
    if request.method == "GET":
        _fill_rule_form(form, rule)
    elif form.validate_on_submit() and _save_rule_form(form, rule):
        flash(_("Rule saved."), "success")
        return redirect(url_for("banking.rules_page"))
    status = 400 if request.method == "POST" else 200
    return render_template("banking/rule_form.html", form=form, rule=rule), status


@bp.post("/rules/<rule_id>/move")
def move_rule(rule_id: str) -> ViewResult:
    """Try the rule one place earlier (``direction`` up) or later (down)."""
    rule = owned_or_404(CategoryRule, rule_id)
    form = forms.RuleMoveForm()
    if not form.validate_on_submit():
        flash(_("Move a rule up or down."), "error")
    elif services.move_rule(rule, inputs.RuleMoveInput(direction=form.direction.data)):
        flash(_("Rule moved."), "success")
    return redirect(url_for("banking.rules_page"))


@bp.post("/rules/<rule_id>/delete")
def delete_rule(rule_id: str) -> ViewResult:
    rule = owned_or_404(CategoryRule, rule_id)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    services.delete_rule(rule)
    flash(_("Rule deleted."), "success")
    return redirect(url_for("banking.rules_page"))


@bp.post("/rules/apply")
def apply_rules() -> ViewResult:
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = services.apply_rules(current_user.id)
    flash(_("%(n)d transactions categorised.", n=outcome.categorised), "success")
    if outcome.skipped_closed and outcome.locked_through is not None:
        flash(
            ngettext(
                "%(num)d matching transaction was left without a category because it is "
                "dated in a closed period: the books are closed up to %(date)s (a VAT return "
                "has been filed or the year closed).",
                "%(num)d matching transactions were left without a category because they are "
                "dated in a closed period: the books are closed up to %(date)s (a VAT return "
                "has been filed or the year closed).",
                outcome.skipped_closed,
                date=uk_date(outcome.locked_through),
            ),
            "warning",
        )
    return redirect(url_for("banking.rules_page"))
