"""Friendly error pages and JSON errors: never a stack trace, never a bare 500 for bad input.

Every JSON error, from the API and from the pages' own JSON endpoints (passkeys, the payment
webhook, an error answered to a client that asked for JSON), has one shape: RFC 9457 problem
details (:func:`problem_response`), ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail``, ``instance`` and, for refused input, ``errors``: one
``{field, code, detail}`` per field.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from minimin.core.user_error import UserError

log = logging.getLogger(__name__)

TITLES = {
    400: _l("That request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("That action is not allowed here"),
    413: _l("That upload is too large"),
    415: _l("That kind of file is not accepted"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("Minimin is briefly unavailable"),
}

MESSAGES = {
    400: _l("Please go back, check what you entered and try again."),
    403: _l("If you think you should have access, sign in with the right account."),
    404: _l("The page may have moved, or the link may be mistyped."),
    405: _l("Please use the buttons and links on the page."),
    413: _l("Please choose a smaller file and try again."),
    415: _l("Please choose a file of one of the accepted types."),
    429: _l("Please wait a little and try again."),
    500: _l("The error has been logged. Nothing you entered was saved; please try again."),
    503: _l("Nothing you entered was saved. Please try again in a minute."),
}


#: The media type of every JSON error.
PROBLEM_MEDIA_TYPE = "application/problem+json"
#: Where each problem type is described (the API's documentation page, docs/api.md).
PROBLEM_TYPE_BASE = "/api/v1/docs#problem-"
#: status -> problem type name.
PROBLEM_TYPES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid",
    429: "rate-limited",
    500: "server-error",
    503: "unavailable",
}


def problem_response(
    status: int,
    detail: Any = None,
    *,
    title: Any = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A JSON error as RFC 9457 problem details: the one shape of every JSON refusal.

    *detail* says what went wrong in words the reader can act on (the status's title when
    absent); *errors* lists the refused fields as ``{field, code, detail}``.
    """
    title = title or TITLES.get(status) or TITLES[500 if status >= 500 else 400]
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + PROBLEM_TYPES.get(status, "bad-request"),
        "title": str(title),
        "status": status,
        "detail": str(detail) if detail else str(title),
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def user_error_problem(error: UserError, status: int = 422) -> Response:
    """A service's refusal as a problem: its message, and its field and code when it names
    a field."""
    if not error.field:
        return problem_response(status, error.message)
    errors = [{"field": error.field, "code": error.code, "detail": str(error.message)}]
    return problem_response(status, error.message, errors=errors)


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, detail: str | None = None) -> Response:
    title = str(TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400]))
    message = detail or str(MESSAGES.get(status, ""))
    if wants_json():
        response = problem_response(status, message or title, title=title)
    else:
        response = Response(
            render_template("errors/error.html", status=status, title=title, message=message),
            mimetype="text/html",
        )
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Response:
        return error_response(
            400, str(_l("The form had expired or was not sent from Minimin. Please try again."))
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        response = error_response(status, _public_description(exc))
        # Keep headers such as Allow (405) and Retry-After (429) that the exception carries.
        for key, value in exc.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _database(exc: Exception) -> Response:
        log.exception("database unavailable")
        return _unavailable()

    # Redis holds the shared rate-limit counts (sign-in lockouts among them). Without it the
    # limits cannot be checked, so the request is refused rather than let through unlimited
    # (docs/deployment.md, "Resilience").
    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def _shared_state(exc: Exception) -> Response:
        log.error("redis unavailable on %s %s: %s", request.method, request.path, exc)
        return _unavailable()

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)


def _unavailable() -> Response:
    response = error_response(503)
    response.headers["Retry-After"] = "30"
    return response


def _public_description(exc: HTTPException) -> str | None:
    """Only descriptions we wrote ourselves are shown; Werkzeug's defaults are replaced."""
    description = getattr(exc, "minimin_message", None)
    return str(description) if description else None
