"""Readers of agency remittance documents (CSV and PDF). Pure: bytes in, parsed lines out."""

from minimin.remittances.parsers.common import (
    ParsedLine,
    ParsedRemittance,
    ParseProblem,
    RemittanceParseError,
)

__all__ = ["ParseProblem", "ParsedLine", "ParsedRemittance", "RemittanceParseError"]
