"""A choice on the privacy page: the typed input the page builds for the consent service
(docs/decisions/0009-typed-service-inputs.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsentInput:
    """Give or withdraw the consent for *purpose* (one of privacy.models' purposes)."""

    purpose: str
    granted: bool
    #: Withdrawing the AI consent may also delete the AI conversation logs.
    delete_ai_logs: bool = False
