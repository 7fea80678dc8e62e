"""Build a concrete URL for any rule of ``app.url_map`` (placeholder values for its variables),
so that route matrices cover routes added later without knowing them."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask
from werkzeug.routing import (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    Rule,
    UUIDConverter,
)


def placeholder(converter: Any) -> Any:
    if isinstance(converter, UUIDConverter):
        return uuid.uuid4()
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, FloatConverter):
        return 1.0
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, PathConverter):
        return "placeholder/file.txt"
    return str(uuid.uuid4())


def placeholder_url(app: Flask, rule: Rule, method: str | None = None) -> str:
    values = {name: placeholder(conv) for name, conv in rule._converters.items()}
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=method)
