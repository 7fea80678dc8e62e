"""Benchmark: field accuracy of document extraction on the evaluation set in benchmarks/ai_data.

Run: ``python -m benchmarks.ai_extraction``. Reads every document (PDFs through pdfplumber, as
the app does), extracts it with the local provider's rules and, when
``MINIMIN_ANTHROPIC_API_KEY`` is set, with Claude (the text redacted first, as the app sends
it), and compares each expected field (case- and space-insensitive; amounts as 123.45; a
remittance's lines as a set of reference/amount pairs). Results go to
``benchmarks/results/ai_extraction.json``.
"""

from __future__ import annotations

import io
import json
import os
import platform
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from minimin.ai import rules
from minimin.ai.schema import Extraction

DATA = Path(__file__).parent / "ai_data"
RESULTS = Path(__file__).parent / "results" / "ai_extraction.json"


def document_text(path: Path) -> str:
    if path.suffix == ".pdf":
        import pdfplumber

        with pdfplumber.open(io.BytesIO(path.read_bytes())) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    return path.read_text(encoding="utf-8")


def _norm(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return " ".join(str(value).lower().split())


def score(expected: dict[str, Any], got: Extraction) -> dict[str, bool]:
    marks: dict[str, bool] = {}
    for name, want in expected.items():
        if name in ("kind", "lines"):
            continue
        marks[name] = _norm(got.value(name)) == _norm(want)
    if "lines" in expected:
        want_lines = {(line["reference"], line["amount"]) for line in expected["lines"]}
        marks["lines"] = {(line.reference, line.amount) for line in got.lines} == want_lines
    return marks


def evaluate(extract: Any) -> dict[str, Any]:
    expected = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
    per_field: dict[str, list[bool]] = defaultdict(list)
    per_kind: dict[str, list[bool]] = defaultdict(list)
    per_source: dict[str, list[bool]] = defaultdict(list)
    for name, want in sorted(expected.items()):
        got = extract(want["kind"], document_text(DATA / name))
        for field, ok in score(want, got).items():
            per_field[f"{want['kind']}.{field}"].append(ok)
            per_kind[want["kind"]].append(ok)
            per_source["handwritten" if name.startswith("handwritten") else "generated"].append(ok)
    everything = [ok for marks in per_kind.values() for ok in marks]
    return {
        "documents": len(expected),
        "field_accuracy": round(sum(everything) / len(everything), 3),
        "by_source": {k: round(sum(v) / len(v), 3) for k, v in sorted(per_source.items())},
        "by_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(per_kind.items())},
        "by_field": {k: round(sum(v) / len(v), 3) for k, v in sorted(per_field.items())},
    }


def claude_extract() -> Any:
    from minimin.ai.providers import AnthropicProvider
    from minimin.ai.redaction import redact

    provider = AnthropicProvider(
        os.environ["MINIMIN_ANTHROPIC_API_KEY"],
        os.environ.get("MINIMIN_ANTHROPIC_BASE_URL"),
        os.environ.get("MINIMIN_ANTHROPIC_MODEL", "claude-sonnet-4-6"),
    )

    def extract(kind: str, text: str) -> Extraction:
        redacted = redact(text)
        got = provider.extract(kind, redacted.text).extraction
        for item in got.fields.values():
            item.value = redacted.restore(item.value)
        for line in got.lines:
            line.reference = redacted.restore(line.reference)
        return got

    return extract


def main() -> None:
    result: dict[str, Any] = {
        "benchmark": "ai_extraction",
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "local": evaluate(rules.extract),
    }
    if os.environ.get("MINIMIN_ANTHROPIC_API_KEY"):
        result["claude"] = evaluate(claude_extract())
    else:
        result["claude"] = "not run: MINIMIN_ANTHROPIC_API_KEY is not set"
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
