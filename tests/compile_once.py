"""What every test's application compiles, compiled once per test process.

Every test builds its own application (its own database, settings and instance folder), and
each application compiled the same code again: werkzeug's two URL builders for each of its
1,200 URL rules (about 120 ms of every test's 200 ms of set-up), and Jinja each template the
test renders (a page's templates take 50 to 300 ms to compile).

URL builders: the compiled function depends only on the rule's text, its parts and the
defaults it folds in as constants; the converters it calls are reached through the rule it is
bound to at call time. So the same function serves every application's copy of a rule, and
building URLs is unchanged: only the compiling is shared.

Templates: every application's Jinja environment has the same settings, so the bytecode of
a template compiled by one serves the others (Jinja's bytecode cache, which also checks the
template's source has not changed).

Production builds one application per process and uses neither.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from werkzeug.routing.rules import Rule

_compiled: dict[Hashable, Callable[..., tuple[str, str]]] = {}
_compile_builder = Rule._compile_builder


def _key(rule: Rule, append_unknown: bool) -> Hashable:
    defaults = rule.defaults or {}
    # Defaults of a dynamic part are folded in as their URL text (werkzeug does the same).
    folded = tuple(
        (name, rule._converters[name].to_url(value) if name in rule._converters else repr(value))
        for name, value in defaults.items()
    )
    return (rule.rule, rule.host, rule.subdomain, append_unknown, tuple(rule._trace), folded)


def _shared_builder(self: Rule, append_unknown: bool = True) -> Any:
    key = _key(self, append_unknown)
    builder = _compiled.get(key)
    if builder is None:
        builder = _compiled[key] = _compile_builder(self, append_unknown)
    return builder


def install() -> None:
    Rule._compile_builder = _shared_builder  # type: ignore[method-assign]


class SharedBytecode(BytecodeCache):
    """Template bytecode kept in this process for every application's environment."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


templates = SharedBytecode()
