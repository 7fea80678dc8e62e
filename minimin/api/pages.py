"""The public face of the API: its OpenAPI document and the documentation page built from it
(server-rendered; no script, nothing from elsewhere)."""

from __future__ import annotations

from flask import Response, json, render_template

from minimin.api import openapi, scopes
from minimin.api.operations import bp
from minimin.api.problems import TYPES
from minimin.core.security import public


@bp.route("/openapi.json")
@public
def openapi_document() -> Response:
    return Response(json.dumps(openapi.document()), mimetype="application/json")


@bp.route("/docs")
@public
def docs() -> str:
    document = openapi.document()
    groups: dict[str, list[dict[str, object]]] = {}
    for path, methods in document["paths"].items():
        for method, item in methods.items():
            groups.setdefault(item["tags"][0], []).append(
                {"method": method.upper(), "path": path, **item}
            )
    return render_template(
        "api/docs.html",
        groups=groups,
        areas=scopes.AREAS,
        levels_of=scopes.levels_of,
        problem_types=TYPES,
        schemas=document["components"]["schemas"],
    )
