"""Forms of the documents pages and of the public signing page."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.validators import InputRequired, Optional

from minimin.core.forms import AppForm, MultilineTextField, TextField
from minimin.documents.inputs import DocumentInput, TemplateInput
from minimin.documents.models import NAME_MAX, REASON_MAX
from minimin.documents.richtext import BODY_MAX
from minimin.documents.signing.services import (
    DeclineInput,
    SignatureInput,
    SignatureRequestInput,
    SignerInput,
)


class TemplateForm(AppForm):
    name = TextField(_l("Name"), [InputRequired(_l("Give the template a name."))], NAME_MAX)
    body = MultilineTextField(
        _l("Text"), [InputRequired(_l("Write the text of the template."))], BODY_MAX
    )

    def to_input(self) -> TemplateInput:
        return TemplateInput(name=self.name.data or "", body=self.body.data or "")


class GenerateForm(AppForm):
    template = SelectField(_l("Template"), choices=[], validate_choice=True)
    title = TextField(_l("Title"), [Optional()], NAME_MAX)
    job = SelectField(_l("Job"), choices=[], validate_choice=True)
    client = SelectField(_l("Client"), choices=[], validate_choice=True)
    agency = SelectField(_l("Agency"), choices=[], validate_choice=True)

    def to_input(self) -> DocumentInput:
        """Only after validation: the choices are the owner's own ids (or blank)."""
        return DocumentInput(
            template_id=uuid.UUID(self.template.data),
            title=self.title.data or "",
            job_id=_optional_id(self.job.data),
            client_id=_optional_id(self.client.data),
            agency_id=_optional_id(self.agency.data),
        )


def _optional_id(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


class SendForm(AppForm):
    owner_signs = BooleanField(_l("I sign it too"), default=True)
    in_order = BooleanField(_l("Sign in the order listed (each signer is emailed in turn)"))
    require_code = BooleanField(_l("Ask each signer for a one-time code sent to their email"))
    message = MultilineTextField(_l("Message to the signers"), [Optional()], 2000)

    def to_input(self, signers: list[SignerInput]) -> SignatureRequestInput:
        return SignatureRequestInput(
            signers=tuple(signers),
            owner_signs=bool(self.owner_signs.data),
            in_order=bool(self.in_order.data),
            message=self.message.data,
            require_code=bool(self.require_code.data),
        )


class OwnerSignForm(AppForm):
    agree = BooleanField(_l("I agree to sign this document electronically"))
    typed_name = TextField(_l("Type your full name"), [Optional()], NAME_MAX)
    drawing = HiddenField()

    def to_input(self) -> SignatureInput:
        return SignatureInput(
            agreed=bool(self.agree.data),
            typed_name=self.typed_name.data,
            drawing=self.drawing.data or None,
        )


class SignForm(AppForm):
    agree = BooleanField(_l("I agree to sign this document electronically"))
    typed_name = TextField(_l("Type your full name"), [Optional()], NAME_MAX)
    drawing = HiddenField()
    code = TextField(_l("The code we emailed you"), [Optional()], 12)

    def to_input(self) -> SignatureInput:
        return SignatureInput(
            agreed=bool(self.agree.data),
            typed_name=self.typed_name.data,
            drawing=self.drawing.data or None,
            code=self.code.data,
        )


class DeclineForm(AppForm):
    reason = MultilineTextField(_l("Why do you decline?"), [Optional()], REASON_MAX)

    def to_input(self) -> DeclineInput:
        return DeclineInput(reason=self.reason.data or "")


class VerifyForm(AppForm):
    file = FileField(_l("PDF to check"))
