"""What templates and documents are made from: the typed inputs both front doors build
(docs/decisions/0009-typed-service-inputs.md). The services clean the text and check the
placeholders and that every record named is the owner's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateInput:
    name: str
    #: The text as HTML of the allowed set (richtext.py), with placeholders (placeholders.py).
    body: str


@dataclass(frozen=True)
class StarterInput:
    #: The key of a starter template (starters.py).
    starter: str


@dataclass(frozen=True)
class DocumentInput:
    """A document filled from a template for a job, a client or an agency (all optional)."""

    template_id: uuid.UUID
    title: str = ""
    job_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
