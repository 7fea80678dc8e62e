"""Errors as RFC 9457 problem details (``application/problem+json``).

Every refusal of the API has one shape: ``type``, ``title``, ``status``, ``detail`` and, for
refused input, ``errors``: one ``{field, code, detail}`` per field, the field named as in the
request (a body member, a query parameter or a header). A service's
:class:`~minimin.core.user_error.UserError` becomes a 422 with its field, code and message,
or, when its code is :data:`~minimin.core.user_error.CONFLICT` (the record's state forbids
it), a 409 with its message: one rule for every operation, so no resource maps refusals itself.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, request
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from minimin.core.errors import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_BASE,
    PROBLEM_TYPES,
    problem_response,
)
from minimin.core.user_error import CONFLICT, UserError

log = logging.getLogger(__name__)

# The one shape of a JSON error is core's (minimin.core.errors.problem_response); the API adds
# titles of its own for the statuses only it answers.
MEDIA_TYPE = PROBLEM_MEDIA_TYPE
TYPE_BASE = PROBLEM_TYPE_BASE
TYPES = PROBLEM_TYPES

API_TITLES = {
    401: _l("A valid access token is needed"),
    403: _l("This token may not do that"),
    404: _l("No such thing"),
    409: _l("That conflicts with the current state"),
    412: _l("The resource has changed"),
    422: _l("The request could not be accepted"),
    429: _l("Too many requests"),
}


class ApiProblem(Exception):
    """A refusal raised inside an API operation and answered as a problem."""

    def __init__(
        self,
        status: int,
        detail: Any = None,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(str(detail or status))
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def problem(
    status: int,
    detail: Any = None,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return problem_response(
        status, detail, title=API_TITLES.get(status), errors=errors, headers=headers
    )


def validation_errors(exc: ValidationError, where: str = "") -> list[dict[str, str]]:
    """Pydantic's errors as ``{field, code, detail}``, the field as a dotted path."""
    result = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"]) or where or "body"
        # Our own validators' messages are written for people: without pydantic's prefix.
        detail = str(error["msg"]).removeprefix("Value error, ")
        result.append({"field": path, "code": str(error["type"]), "detail": detail})
    return result


def from_user_error(exc: UserError) -> Response:
    if exc.code == CONFLICT:
        return problem(409, exc.message)
    errors = [{"field": exc.field or "", "code": exc.code, "detail": str(exc.message)}]
    return problem(422, exc.message, errors=errors)


def register_problem_handlers(bp: Blueprint) -> None:
    @bp.errorhandler(ApiProblem)
    def _problem(exc: ApiProblem) -> Response:
        return problem(exc.status, exc.detail, errors=exc.errors, headers=exc.headers)

    @bp.errorhandler(UserError)
    def _user_error(exc: UserError) -> Response:
        return from_user_error(exc)

    @bp.errorhandler(ValidationError)
    def _invalid(exc: ValidationError) -> Response:
        return problem(422, errors=validation_errors(exc))

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        response = problem(status, getattr(exc, "minimin_message", None))
        for key, value in exc.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response

    @bp.errorhandler(DBAPIError)
    def _database(exc: Exception) -> Response:
        log.exception("database unavailable")
        return problem(503)

    @bp.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500)
