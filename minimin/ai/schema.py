"""What an extraction is: named fields, each with its value, the text it came from and a
confidence; and for remittances, lines. The same shape from every provider, and the JSON
schema of the one tool a remote model is offered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RECEIPT = "receipt"
REMITTANCE = "remittance"
BOOKING = "booking"
KINDS = (RECEIPT, REMITTANCE, BOOKING)

#: The fields each kind of document yields (values are strings: dates ISO, amounts "123.45").
FIELDS: dict[str, tuple[str, ...]] = {
    RECEIPT: ("supplier", "date", "total", "vat", "vat_rate", "category"),
    REMITTANCE: ("payer", "date", "total"),
    BOOKING: ("title", "client", "agency", "start_date", "end_date", "fee", "fee_basis", "usage"),
}

TOOL_NAME = "record_extraction"


@dataclass
class Field:
    value: str | None
    source: str = ""
    confidence: float = 0.0


@dataclass
class Line:
    reference: str
    amount: str
    source: str = ""


@dataclass
class Extraction:
    kind: str
    fields: dict[str, Field] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        item = self.fields.get(name)
        return item.value if item else None


class MalformedAnswer(ValueError):
    """The provider's answer does not have the extraction's shape."""


def tool_schema(kind: str) -> dict[str, Any]:
    """The extraction tool: the model can only describe the document, nothing else."""
    field_schema = {
        "type": "object",
        "properties": {
            "value": {"type": ["string", "null"]},
            "source": {"type": "string", "description": "the exact text the value came from"},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "required": ["value", "source", "confidence"],
    }
    return {
        "name": TOOL_NAME,
        "description": f"Record the fields read from one {kind} document.",
        "input_schema": {
            "type": "object",
            "properties": {
                "fields": {
                    "type": "object",
                    "properties": dict.fromkeys(FIELDS[kind], field_schema),
                    "required": list(FIELDS[kind]),
                },
                "lines": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "reference": {"type": "string"},
                            "amount": {"type": "string"},
                            "source": {"type": "string"},
                        },
                        "required": ["reference", "amount"],
                    },
                },
            },
            "required": ["fields"],
        },
    }


def _field(raw: Any) -> Field:
    if not isinstance(raw, dict):
        raise MalformedAnswer("a field is not an object")
    value = raw.get("value")
    if value is not None and not isinstance(value, str | int | float):
        raise MalformedAnswer("a value is not text")
    confidence = raw.get("confidence", 0)
    if not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        raise MalformedAnswer("a confidence is not between 0 and 1")
    source = raw.get("source") or ""
    return Field(None if value is None else str(value)[:500], str(source)[:500], float(confidence))


def from_tool_input(kind: str, data: Any) -> Extraction:
    """Check a tool call's input against the schema (a model may answer anything)."""
    if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
        raise MalformedAnswer("no fields")
    fields = {name: _field(data["fields"][name]) for name in FIELDS[kind] if name in data["fields"]}
    lines: list[Line] = []
    for raw in data.get("lines") or []:
        if not isinstance(raw, dict) or not raw.get("reference"):
            raise MalformedAnswer("a line has no reference")
        lines.append(
            Line(
                str(raw["reference"])[:100],
                str(raw.get("amount", ""))[:20],
                str(raw.get("source", ""))[:300],
            )
        )
    return Extraction(kind, fields, lines[:200])
