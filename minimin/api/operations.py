"""How an API operation is declared, checked and answered.

:func:`operation` registers a function as a route of the API blueprint together with what it
takes and gives (pydantic models), the scope it needs and the page actions it stands for. The
same record drives the request checks here, the OpenAPI document (:mod:`minimin.api.openapi`)
and the parity test between pages and API.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, json, request
from pydantic import BaseModel, ValidationError
from werkzeug.datastructures import FileStorage

from minimin.api import idempotency, ratelimit, scopes
from minimin.api.problems import ApiProblem, register_problem_handlers, validation_errors
from minimin.core.security import API, classify_blueprint
from minimin.core.tenancy import owned_or_404

JSON = "application/json"
PDF = "application/pdf"

bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates")
classify_blueprint(bp, API)
register_problem_handlers(bp)
bp.before_request(ratelimit.check)
bp.after_request(ratelimit.add_headers)


@dataclass(frozen=True)
class Operation:
    endpoint: str
    method: str
    rule: str
    summary: str
    tag: str
    scope: str | None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: Any = None  # a pydantic model class, or None for a binary answer
    status: int = 200
    media: str = JSON
    upload: str | None = None  # name of the multipart file part, for uploads
    covers: tuple[str, ...] = ()  # the page endpoints this operation stands for
    description: str = ""
    path_names: tuple[str, ...] = field(default=())
    #: (model, argument): the object the last path variable names, loaded for the caller
    #: before the body is read, so another user's id is 404 whatever the body says.
    load: tuple[type[Any], str] | None = None
    lock: bool = False


#: Every operation, in the order declared (the order of the documentation).
OPERATIONS: list[Operation] = []


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    scope: str | None,
    response: Any = None,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    status: int = 200,
    media: str = JSON,
    upload: str | None = None,
    covers: tuple[str, ...] = (),
    load: tuple[type[Any], str] | None = None,
    lock: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        names = tuple(part[1:-1].split(":")[-1] for part in rule.split("/") if part[:1] == "<")
        op = Operation(
            endpoint=f"{bp.name}.{fn.__name__}",
            method=method,
            rule=rule,
            summary=summary,
            tag=tag,
            scope=scope,
            query=query,
            body=body,
            response=response,
            status=status,
            media=media,
            upload=upload,
            covers=covers,
            description=(fn.__doc__ or "").strip(),
            path_names=names,
            load=load,
            lock=lock,
        )

        def view(**path: Any) -> Response:
            return _run(op, fn, path)

        view.__name__ = fn.__name__
        view.__doc__ = fn.__doc__
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        OPERATIONS.append(op)
        return fn

    return decorate


def _run(op: Operation, fn: Callable[..., Any], path: dict[str, Any]) -> Response:
    caller = g.api_caller
    if op.scope and not scopes.grants(caller.token.scopes, op.scope):
        raise ApiProblem(403, f"This token does not have the {op.scope} scope.")
    kwargs = dict(path)
    if op.load is not None:
        model, argument = op.load
        kwargs[argument] = owned_or_404(model, kwargs.pop(op.path_names[-1]), for_update=op.lock)
    if op.query is not None:
        kwargs["query"] = _parse(op.query, request.args.to_dict(), "query")
    if op.upload is not None:
        kwargs["upload"] = _upload(op.upload)
        if op.body is not None:
            kwargs["body"] = _parse(op.body, _form_fields(op.upload), "body")
    elif op.body is not None:
        kwargs["body"] = _parse(op.body, _json_body(), "body")
    if op.method == "POST":
        replay = idempotency.replay(caller.token)
        if replay is not None:
            return replay
    response = _answer(op, fn(**kwargs))
    if op.method == "POST":
        idempotency.remember(caller.token, response)
    if op.method == "GET":
        return _conditional(response)
    return response


def _parse(model: type[BaseModel], data: Any, where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiProblem(422, errors=validation_errors(exc, where)) from exc


def _json_body() -> Any:
    if not request.is_json:
        raise ApiProblem(415, "Send the body as application/json.")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiProblem(
            400, errors=[{"field": "body", "code": "json", "detail": "The body is not JSON."}]
        )
    return data


def _form_fields(file_part: str) -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k != file_part}


def _upload(name: str) -> FileStorage:
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        raise ApiProblem(
            422,
            errors=[{"field": name, "code": "missing", "detail": "Attach the file as " + name}],
        )
    return upload


def _answer(op: Operation, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    body = result.model_dump_json() if isinstance(result, BaseModel) else json.dumps(result)
    return Response(body, status=op.status, mimetype=op.media)


def _conditional(response: Response) -> Response:
    """A strong ETag of the answer's bytes; a matching If-None-Match answers 304 (the client
    keeps its copy; nothing is sent again)."""
    if response.status_code != 200 or response.direct_passthrough:
        return response
    etag = hashlib.sha256(response.get_data()).hexdigest()[:32]
    response.set_etag(etag)
    if etag in request.if_none_match or request.if_none_match.star_tag:
        not_modified = Response(status=304)
        not_modified.set_etag(etag)
        return not_modified
    return response
