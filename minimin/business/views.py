"""/settings/business: the business profile, section by section, and the guided setup.

Each section is its own form posted to its own URL: invalid input re-renders the page with
status 400, so the request transaction rolls back and nothing of that submission is stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.business import services
from minimin.business.forms import (
    AccountantForm,
    BankForm,
    DetailsForm,
    InvoiceDefaultsForm,
    LogoForm,
    RatesForm,
    VatForm,
    WorkTypeForm,
    show_refusals,
)
from minimin.business.models import (
    ONBOARDING_STEPS,
    STEP_DETAILS,
    STEP_VAT,
    STEP_WORK_TYPE,
    VAT_SCHEMES,
    VAT_STAGGERS,
    WORK_TYPES,
    BusinessProfile,
)
from minimin.business.rules import (
    display_phone,
    format_iban,
    format_sort_code,
    mask,
)
from minimin.core.money import Money, format_money
from minimin.core.security import USER, classify_blueprint
from minimin.core.uploads import UploadError
from minimin.core.user_error import UserError
from minimin.core.web import ConfirmForm, ViewResult

bp = Blueprint("business", __name__, url_prefix="/settings/business", template_folder="templates")
classify_blueprint(bp, USER)

SIMPLE_SECTIONS: dict[str, Any] = {
    "details": DetailsForm,
    "accountant": AccountantForm,
}
#: The settings pages, each a few sections (its own URL, so no page runs to thousands of
#: pixels): page -> (title, the sections it shows).
PAGES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "details": (_l("Business details"), ("work_type", "details")),
    "vat": (_l("VAT and tax"), ("vat",)),
    "invoicing": (_l("Invoicing"), ("invoices",)),
    "bank": (_l("Bank details"), ("bank",)),
    "fees": (_l("Rates and fees"), ("rates",)),
    "accountant": (_l("Accountant"), ("accountant",)),
    "branding": (_l("Branding"), ("logo",)),
}
PAGE_OF = {section: page for page, (_title, sections) in PAGES.items() for section in sections}

SECTION_TITLES = {
    "work_type": "work-type",
    "details": "details",
    "vat": "vat",
    "bank": "bank",
    "accountant": "accountant",
    "logo": "business-logo",
    "invoices": "invoices",
    "rates": "rates",
}


# --------------------------------------------------------------------------- helpers


def _profile() -> BusinessProfile:
    """The signed-in user's profile, or an unsaved default one (GET never writes)."""
    return services.get_profile(current_user.id) or services.new_profile(current_user.id)


def _bank_current(profile: BusinessProfile) -> dict[str, str | None]:
    return {name: getattr(profile, name) for name in services.BANK_FIELDS}


def _money_text(pence: int | None, currency: str) -> str:
    return Money.from_pence(pence, currency).plain() if pence is not None else ""


def _forms_from(profile: BusinessProfile, revealed: bool = False) -> dict[str, Any]:
    """Every section's form filled from the stored profile (never from the request)."""
    details = DetailsForm(formdata=None, obj=profile)
    details.phone.data = display_phone(profile.phone)
    vat = VatForm(formdata=None, obj=profile)
    vat.flat_rate_percent.data = (
        f"{profile.flat_rate_percent.normalize():f}"
        if profile.flat_rate_percent is not None
        else ""
    )
    vat.utr.data = profile.utr or ""
    bank = BankForm(formdata=None)
    if revealed:
        bank = BankForm(
            formdata=None,
            data={
                "bank_account_name": profile.bank_account_name or "",
                "bank_sort_code": format_sort_code(profile.bank_sort_code),
                "bank_account_number": profile.bank_account_number or "",
                "bank_iban": format_iban(profile.bank_iban),
                "bank_bic": profile.bank_bic or "",
            },
        )
    accountant = AccountantForm(formdata=None, obj=profile)
    accountant.accountant_phone.data = display_phone(profile.accountant_phone)
    invoices = InvoiceDefaultsForm(formdata=None, obj=profile)
    for name in (
        "invoice_padding",
        "next_invoice_number",
        "next_credit_note_number",
        "payment_terms_days",
    ):
        invoices[name].data = str(getattr(profile, name))
    rates = RatesForm(
        formdata=None,
        data={
            "day_rate": _money_text(profile.day_rate_pence, profile.default_currency),
            "half_day_rate": _money_text(profile.half_day_rate_pence, profile.default_currency),
            "hourly_rate": _money_text(profile.hourly_rate_pence, profile.default_currency),
            "default_currency": profile.default_currency,
        },
    )
    return {
        "work_type": WorkTypeForm(formdata=None, obj=profile),
        "details": details,
        "vat": vat,
        "bank": bank,
        "accountant": accountant,
        "logo": LogoForm(formdata=None),
        "invoices": invoices,
        "rates": rates,
        "confirm": ConfirmForm(formdata=None),
    }


def _summary(profile: BusinessProfile) -> dict[str, Any]:
    """What the page shows as stored values; secrets only masked."""
    currency = profile.default_currency or "GBP"

    def money(pence: int | None) -> str:
        return format_money(Money.from_pence(pence, currency)) if pence is not None else ""

    return {
        "work_type": WORK_TYPES.get(profile.work_type or "", ""),
        "vat_scheme": VAT_SCHEMES.get(profile.vat_scheme or "", ""),
        "vat_stagger": VAT_STAGGERS.get(profile.vat_stagger or "", ""),
        "effective_flat_rate": profile.effective_flat_rate,
        "utr": mask(profile.utr, 3),
        "bank": {
            "bank_account_name": profile.bank_account_name or "",
            "bank_sort_code": mask(profile.bank_sort_code, 2),
            "bank_account_number": mask(profile.bank_account_number),
            "bank_iban": mask(profile.bank_iban),
            "bank_bic": mask(profile.bank_bic, 3),
        },
        "next_invoice": profile.format_invoice_number(profile.next_invoice_number or 1),
        "next_credit_note": profile.format_credit_note_number(profile.next_credit_note_number or 1),
        "day_rate": money(profile.day_rate_pence),
        "half_day_rate": money(profile.half_day_rate_pence),
        "hourly_rate": money(profile.hourly_rate_pence),
    }


def _render(
    profile: BusinessProfile,
    status: int = 200,
    *,
    revealed: bool = False,
    page: str | None = None,
    **overrides: Any,
) -> tuple[str, int]:
    """The settings page *page*, or the page of the section whose form is given again."""
    if page is None:
        page = next((PAGE_OF[k] for k in overrides if k in PAGE_OF), "details")
    forms = _forms_from(profile, revealed=revealed)
    forms.update(overrides)
    summary = _summary(profile)
    if revealed:
        summary["bank"] = {
            "bank_account_name": profile.bank_account_name or "",
            "bank_sort_code": format_sort_code(profile.bank_sort_code),
            "bank_account_number": profile.bank_account_number or "",
            "bank_iban": format_iban(profile.bank_iban),
            "bank_bic": profile.bank_bic or "",
        }
    return (
        render_template(
            "business/index.html",
            profile=profile,
            forms=forms,
            summary=summary,
            revealed=revealed,
            invalid=[k for k in overrides if k in SECTION_TITLES],
            page=page,
            pages=PAGES,
            shown=PAGES[page][1],
            missing=[item for item in _checklist(profile) if not item["done"]],
        ),
        status,
    )


def _saved(section: str) -> Response:
    flash(_("Saved."), "success")
    return redirect(url_for(".settings_page", page=PAGE_OF[section]))


# --------------------------------------------------------------------------- the profile page


@bp.route("")
def index() -> Response:
    """The one long settings page of old: its sections now have pages of their own."""
    return redirect(url_for(".settings_page", page="details"))


@bp.get("/<any(details, vat, invoicing, bank, fees, accountant, branding):page>")
def settings_page(page: str) -> tuple[str, int]:
    return _render(_profile(), page=page)


def _save(section: str, form: Any, data: Any = None) -> ViewResult:
    """Save *form*'s section through the service; its refusals are shown beside their fields
    (status 400: nothing of the submission is stored)."""
    if data is None and not form.validate_on_submit():
        return _render(_profile(), 400, **{section: form})
    try:
        services.save_section(current_user.id, data or form.to_input())
    except UserError as refused:
        show_refusals(form, [refused])
        return _render(_profile(), 400, **{section: form})
    return _saved(section)


@bp.route("/<any(details, accountant):section>", methods=["POST"])
def save_simple(section: str) -> ViewResult:
    return _save(section, SIMPLE_SECTIONS[section]())


@bp.route("/work-type", methods=["POST"])
def save_work_type() -> ViewResult:
    return _save("work_type", WorkTypeForm())


@bp.route("/vat", methods=["POST"])
def save_vat() -> ViewResult:
    return _save("vat", VatForm())


@bp.route("/bank", methods=["POST"])
def save_bank() -> ViewResult:
    profile = _profile()
    form = BankForm()
    if not form.validate_on_submit():
        return _render(profile, 400, bank=form)
    data = form.to_input(_bank_current(profile))
    if not show_refusals(form, services.refusals(data)):
        return _render(profile, 400, bank=form)
    return _save("bank", form, data)


@bp.route("/bank/reveal", methods=["POST"])
def reveal_bank() -> ViewResult:
    form = ConfirmForm()
    profile = services.get_profile(current_user.id)
    if (
        not form.validate_on_submit()
        or profile is None
        or not (profile.has_bank_details or profile.utr)
    ):
        return redirect(url_for(".settings_page", page="bank"))
    services.record_bank_reveal(profile)
    return _render(profile, revealed=True, page="bank")


@bp.route("/bank/remove", methods=["POST"])
def remove_bank() -> Response:
    form = ConfirmForm()
    profile = services.get_profile(current_user.id)
    if form.validate_on_submit() and profile is not None and profile.has_bank_details:
        services.clear_bank_details(profile)
        flash(_("Your bank details were removed."), "success")
    return redirect(url_for(".settings_page", page="bank"))


@bp.route("/invoices", methods=["POST"])
def save_invoices() -> ViewResult:
    profile = _profile()
    form = InvoiceDefaultsForm()
    if not form.validate_on_submit():
        return _render(profile, 400, invoices=form)
    data = form.to_input()
    if not show_refusals(form, services.number_refusals(profile, data)):
        return _render(profile, 400, invoices=form)
    return _save("invoices", form, data)


@bp.route("/rates", methods=["POST"])
def save_rates() -> ViewResult:
    return _save("rates", RatesForm())


@bp.route("/logo", methods=["POST"])
def upload_logo() -> ViewResult:
    form = LogoForm()
    if not form.validate_on_submit():
        return _render(_profile(), 400, logo=form)
    profile = services.get_or_create_profile(current_user.id)
    upload = form.logo.data
    try:
        services.replace_logo(profile, upload.stream, upload.filename)
    except UploadError as exc:
        form.logo.errors = [exc.message]
        return _render(profile, exc.status, logo=form)
    flash(_("Your logo was saved."), "success")
    return redirect(url_for(".settings_page", page="branding"))


@bp.route("/logo/remove", methods=["POST"])
def remove_logo() -> Response:
    form = ConfirmForm()
    profile = services.get_profile(current_user.id)
    if form.validate_on_submit() and profile is not None and services.remove_logo(profile):
        flash(_("Your logo was removed."), "success")
    return redirect(url_for(".settings_page", page="branding"))


# --------------------------------------------------------------------------- guided setup

STEP_FORMS: dict[str, Any] = {
    STEP_WORK_TYPE: WorkTypeForm,
    STEP_DETAILS: DetailsForm,
    STEP_VAT: VatForm,
}


def _step_to_show(profile: BusinessProfile, wanted: str | None) -> str:
    current = profile.onboarding_step
    if current not in ONBOARDING_STEPS:  # finished or skipped: any step may be revisited
        return wanted if wanted in ONBOARDING_STEPS else STEP_WORK_TYPE
    if wanted in ONBOARDING_STEPS and ONBOARDING_STEPS.index(wanted) <= ONBOARDING_STEPS.index(
        current
    ):
        return wanted
    return current


def _render_step(
    profile: BusinessProfile, step: str, form: Any = None, status: int = 200
) -> tuple[str, int]:
    if form is None:
        form = _forms_from(profile)[step]
    index = ONBOARDING_STEPS.index(step)
    previous = ONBOARDING_STEPS[index - 1] if index else None
    return (
        render_template(
            "business/setup.html",
            profile=profile,
            step=step,
            form=form,
            number=index + 1,
            total=len(ONBOARDING_STEPS),
            previous=previous,
            skip_form=ConfirmForm(formdata=None),
        ),
        status,
    )


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> ViewResult:
    profile = _profile()
    if request.method == "GET":
        return _render_step(profile, _step_to_show(profile, request.args.get("step")))
    step = request.form.get("step", "")
    if step not in ONBOARDING_STEPS:
        step = _step_to_show(profile, None)
    step = _step_to_show(profile, step)
    form = STEP_FORMS[step]()
    if not form.validate_on_submit():
        return _render_step(profile, step, form, 400)
    try:
        following = services.save_setup_step(current_user.id, form.to_input())
    except UserError as refused:
        show_refusals(form, [refused])
        return _render_step(profile, step, form, 400)
    if following in ONBOARDING_STEPS:
        return redirect(url_for(".setup", step=following))
    flash(_("Your business is set up. You can change any of it in Business settings."), "success")
    return redirect(url_for(".getting_paid"))


def _checklist(profile: BusinessProfile) -> list[dict[str, Any]]:
    """What the guided setup asks for after the three steps, before the first invoice: bank
    details (how clients pay you), the invoice numbering and a logo (optional)."""
    return [
        {
            "title": _("Bank details"),
            "done": profile.has_bank_details,
            "why": _(
                "Printed on your invoices and the client's payment page, so clients can "
                "pay you by bank transfer."
            ),
            "page": "bank",
        },
        {
            "title": _("Invoice numbering"),
            "done": True,
            "why": _(
                "Your next invoice will be %(number)s. Change the prefix, padding or next "
                "number now if you are carrying on from another system.",
                number=profile.format_invoice_number(profile.next_invoice_number or 1),
            ),
            "page": "invoicing",
        },
        {
            "title": _("Logo (optional)"),
            "done": profile.logo_file_id is not None,
            "why": _("Shown at the top of your invoices and statements."),
            "page": "branding",
        },
    ]


@bp.get("/setup/getting-paid")
def getting_paid() -> str:
    """The guided setup's last page: what to check before the first invoice."""
    profile = _profile()
    return render_template("business/getting_paid.html", checklist=_checklist(profile))


@bp.route("/setup/skip", methods=["POST"])
def skip_setup() -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        services.skip_onboarding(services.get_or_create_profile(current_user.id))
        flash(
            _(
                "Setup skipped. You can fill in your business details any time in "
                "Business settings."
            ),
            "info",
        )
    return redirect(url_for("pages.home"))


def _step_title(step: str) -> str:
    return {
        STEP_WORK_TYPE: _("How you work"),
        STEP_DETAILS: _("Your business"),
        STEP_VAT: _("VAT"),
    }[step]


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"business_step_title": _step_title}
