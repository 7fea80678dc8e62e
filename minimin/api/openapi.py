"""The OpenAPI 3.1 document, generated from the operations' pydantic models (the same ones
that check requests and shape answers), so the document cannot drift from the code."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from minimin.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from minimin.api.operations import JSON, OPERATIONS, Operation
from minimin.api.problems import MEDIA_TYPE as PROBLEM
from minimin.api.problems import TYPES
from minimin.api.schemas import Problem

VERSION = "1.0.0"
REF = "#/components/schemas/{model}"
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

#: Error answers every operation may give (problem details), by status.
ERRORS = {
    400: "The request could not be read.",
    401: "No valid token.",
    403: "The token lacks the operation's scope.",
    422: "Input refused; `errors` says which field and why.",
    429: "Rate limit reached; see Retry-After.",
}


def openapi_path(rule: str) -> str:
    return "/api/v1" + _VARIABLE.sub(r"{\1}", rule)


def _models() -> list[tuple[type[BaseModel], Any]]:
    found: list[tuple[type[BaseModel], Any]] = [(Problem, "serialization")]
    for op in OPERATIONS:
        if op.body is not None:
            found.append((op.body, "validation"))
        if op.response is not None:
            found.append((op.response, "serialization"))
    return list(dict.fromkeys(found))


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
        for n in op.path_names
    ]
    if op.query is not None:
        schema = op.query.model_json_schema()
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop["description"]
            params.append(param)
    if op.method == "POST":
        params.append(
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": False,
                "description": "Retry safely: the same key and body get the first answer.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
    return params


def _request_body(op: Operation, refs: dict[Any, Any]) -> dict[str, Any] | None:
    if op.upload is not None:
        props: dict[str, Any] = {op.upload: {"type": "string", "format": "binary"}}
        required = [op.upload]
        if op.body is not None:
            schema = op.body.model_json_schema()
            props.update(schema.get("properties", {}))
            required += schema.get("required", [])
        return {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": props, "required": required}
                }
            },
        }
    if op.body is None:
        return None
    return {"required": True, "content": {JSON: {"schema": refs[(op.body, "validation")]}}}


def _responses(op: Operation, refs: dict[Any, Any]) -> dict[str, Any]:
    problem = {PROBLEM: {"schema": refs[(Problem, "serialization")]}}
    if op.response is not None:
        content = {op.media: {"schema": refs[(op.response, "serialization")]}}
    else:
        content = {op.media: {"schema": {"type": "string", "format": "binary"}}}
    responses: dict[str, Any] = {str(op.status): {"description": "Success", "content": content}}
    if op.status == 204:  # a deletion: no body at all
        responses = {"204": {"description": "Done; there is nothing to send back."}}
    if op.method == "GET":
        responses["304"] = {"description": "Not modified (If-None-Match matched the ETag)."}
    errors = dict(ERRORS)
    if op.path_names:
        errors[404] = "No such object of this token's user."
    if op.body is not None and op.upload is None:
        errors[415] = "The body was not application/json."
    if op.upload is not None:
        errors[413] = "The file is too large."
    for status, text in sorted(errors.items()):
        responses[str(status)] = {"description": text, "content": problem}
    responses["default"] = {
        "description": "Any other refusal, as problem details.",
        "content": problem,
    }
    return responses


def _operation(op: Operation, refs: dict[Any, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "operationId": op.endpoint.split(".", 1)[1],
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _parameters(op),
        "responses": _responses(op, refs),
    }
    if op.description:
        item["description"] = op.description
    if op.scope:
        item["x-scope"] = op.scope
        item["security"] = [{"bearer": [op.scope]}]
    body = _request_body(op, refs)
    if body is not None:
        item["requestBody"] = body
    return item


@cache
def document() -> dict[str, Any]:
    refs, defs = models_json_schema(_models(), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Minimin API",
            "version": VERSION,
            "description": "Bookkeeping for UK sole traders. See /api/v1/docs.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal access token made on the account page.",
                }
            },
        },
        "x-problem-types": sorted(TYPES.values()),
    }
