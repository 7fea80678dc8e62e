"""A new personal access token as the account page asks for it: the typed input of
:func:`minimin.api.tokens.create` (docs/decisions/0009-typed-service-inputs.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenInput:
    name: str
    #: Scopes of minimin.api.scopes (e.g. "jobs:read"); checked by the service.
    scopes: tuple[str, ...]
    #: Lifetime in days, one of tokens.LIFETIMES.
    days: int
