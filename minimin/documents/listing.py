"""Templates and documents as the JSON API lists them (the caller orders and pages the
statement)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from minimin.documents.models import DocumentTemplate, GeneratedDocument


def templates(user_id: uuid.UUID) -> sa.Select[tuple[DocumentTemplate]]:
    """The user's templates, each with its versions loaded in one more statement."""
    return (
        sa.select(DocumentTemplate)
        .where(DocumentTemplate.user_id == user_id)
        .options(selectinload(DocumentTemplate.versions))
    )


def documents(
    user_id: uuid.UUID, *, job_id: uuid.UUID | None
) -> sa.Select[tuple[GeneratedDocument]]:
    """The user's generated documents, those made for *job_id* when it is given."""
    statement = sa.select(GeneratedDocument).where(GeneratedDocument.user_id == user_id)
    if job_id is not None:
        statement = statement.where(GeneratedDocument.job_id == job_id)
    return statement
