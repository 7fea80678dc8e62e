"""Read a remittance PDF in a child process with a CPU-time, memory and wall-clock limit.

A PDF is a program for a page-description interpreter: a crafted one (a million tiny strokes,
a content stream that decompresses to gigabytes, a cycle of forms) can hold a reader for
minutes or exhaust the machine's memory. So the web and worker processes never read one
themselves. The reader runs as ``python -m minimin.remittances.parsers.sandbox`` with:

* ``RLIMIT_CPU`` (the kernel ends it with SIGXCPU), ``RLIMIT_AS`` (allocations past the limit
  fail) and a wall-clock timeout after which the parent kills it;
* no environment beyond ``PATH`` (the application's keys and database URL are not visible to
  it), the PDF on its standard input and its answer as JSON on its standard output. The parent
  never unpickles what the child says: a reader subverted by a hostile file could say anything,
  so its answer is plain data, checked on the way in (:func:`from_json`).

The caps on pages, characters and objects per page are in :mod:`.pdf_parser`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from minimin.remittances.parsers.common import (
    MAX_CELL,
    MAX_LINES,
    MAX_PENCE,
    MAX_PROBLEMS,
    ParsedLine,
    ParsedRemittance,
    ParseProblem,
    RemittanceParseError,
)

log = logging.getLogger(__name__)

MB = 1024 * 1024
#: CPU seconds the reader may use (a 20-page remittance needs a few).
CPU_SECONDS = 20
#: Address space of the reader (the interpreter and pdfplumber take about 150 MB of it).
MEMORY_BYTES = 768 * MB
#: Wall-clock seconds before the reader is killed (a reader waiting on nothing uses no CPU).
WALL_SECONDS = 45
#: Largest answer read from the reader.
MAX_ANSWER = 4 * MB
_AMOUNTS = (
    "gross_pence",
    "fee_vat_pence",
    "commission_pence",
    "commission_vat_pence",
    "expenses_pence",
    "net_pence",
)


class ReaderFailed(Exception):
    """The reader ran out of time or memory, crashed, or said something unreadable."""


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = CPU_SECONDS
    memory_bytes: int = MEMORY_BYTES
    wall_seconds: float = WALL_SECONDS


def read_pdf_limited(data: bytes, limits: Limits | None = None) -> ParsedRemittance:
    """Parse *data* in a limited child process.

    Raises :class:`RemittanceParseError` when the reader could open the file but not read it,
    and :class:`ReaderFailed` when it did not finish within its limits.
    """
    limits = limits or Limits()
    command = [
        sys.executable,
        "-m",
        __name__,
        str(limits.cpu_seconds),
        str(limits.memory_bytes),
    ]
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
            command,
            input=data,
            capture_output=True,
            timeout=limits.wall_seconds,
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"},
            cwd="/",
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # run() has killed the child
        raise ReaderFailed("timeout") from exc
    if done.returncode != 0:
        log.warning("the PDF reader ended with %s: %s", done.returncode, done.stderr[-500:])
        raise ReaderFailed(f"exit {done.returncode}")
    if len(done.stdout) > MAX_ANSWER:
        raise ReaderFailed("answer too large")
    try:
        answer = json.loads(done.stdout)
        if answer.get("opened"):
            return from_json(answer["result"])
        problems = [_problem(p) for p in answer["problems"][:MAX_PROBLEMS]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReaderFailed("unreadable answer") from exc
    raise RemittanceParseError(problems or [ParseProblem(_l("The PDF could not be opened."))])


# --------------------------------------------------------------------------- plain data


def _message_to_json(message: Any) -> Any:
    """A lazy translatable message as its source text and parameters (nested ones too), so that
    it is translated when shown, in the reader's language."""
    if isinstance(message, LazyString):
        params = {k: _message_to_json(v) for k, v in message._kwargs.items()}
        return {"text": str(message._args[0]), "params": params}
    if isinstance(message, (int, float)):
        return message
    return str(message)


class StoredMessage:
    """A message read back from :func:`_message_to_json`: translated and filled in when shown.

    A message that does not fit its parameters (only a subverted reader could send one) is
    shown as its text, never as an error page.
    """

    def __init__(self, text: str, params: dict[str, Any]):
        self.text = text[:MAX_CELL]
        self.params = params

    def __str__(self) -> str:
        values = {k: str(v) if isinstance(v, StoredMessage) else v for k, v in self.params.items()}
        try:
            return str(_l(self.text, **values))
        except (KeyError, ValueError, TypeError):
            return self.text


def _message_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        params = value.get("params") or {}
        if not isinstance(params, dict) or len(params) > 10:
            raise ValueError("bad message parameters")
        return StoredMessage(
            str(value["text"]), {str(k): _message_from_json(v) for k, v in params.items()}
        )
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("bad message")
    return value if not isinstance(value, str) else value[:MAX_CELL]


def _problem(value: dict[str, Any]) -> ParseProblem:
    row = value.get("row")
    column = value.get("column")
    return ParseProblem(
        _message_from_json(value["message"]),
        int(row) if isinstance(row, int) else None,
        str(column)[:MAX_CELL] if column else None,
    )


def to_json(parsed: ParsedRemittance) -> dict[str, Any]:
    """*parsed* as plain data (for the reader's answer and for the import's stored result)."""
    return {
        "lines": [
            {
                **{k: v for k, v in vars(line).items() if k != "work_date"},
                "work_date": line.work_date.isoformat() if line.work_date else None,
            }
            for line in parsed.lines
        ],
        "total_net_pence": parsed.total_net_pence,
        "date": parsed.date.isoformat() if parsed.date else None,
        "reference": parsed.reference,
        "agency_invoice_number": parsed.agency_invoice_number,
        "columns": dict(parsed.columns),
        "problems": [problem_to_json(p) for p in parsed.problems],
        "notes": [_message_to_json(n) for n in parsed.notes],
    }


def problem_to_json(problem: ParseProblem) -> dict[str, Any]:
    return {
        "message": _message_to_json(problem.message),
        "row": problem.row,
        "column": problem.column,
    }


def _pence(value: Any, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_PENCE:
        raise ValueError("bad amount")
    return value


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _text(value: Any) -> str:
    return str(value or "")[:MAX_CELL]


def _line(value: dict[str, Any]) -> ParsedLine:
    amounts = {k: _pence(value.get(k, 0)) or 0 for k in _AMOUNTS}
    return ParsedLine(
        reference=_text(value.get("reference")),
        description=_text(value.get("description")),
        work_date=_date(value.get("work_date")),
        **amounts,
    )


def from_json(value: dict[str, Any]) -> ParsedRemittance:
    """Read back :func:`to_json`, checking every field (ValueError, KeyError or TypeError)."""
    return ParsedRemittance(
        lines=[_line(line) for line in value["lines"][:MAX_LINES]],
        total_net_pence=_pence(value.get("total_net_pence"), allow_none=True),
        date=_date(value.get("date")),
        reference=_text(value.get("reference")),
        agency_invoice_number=_text(value.get("agency_invoice_number")),
        columns={_text(k): _text(v) for k, v in dict(value.get("columns") or {}).items()},
        problems=[_problem(p) for p in value.get("problems", [])[:MAX_PROBLEMS]],
        notes=[_message_from_json(n) for n in value.get("notes", [])[:MAX_PROBLEMS]],
    )


# --------------------------------------------------------------------------- the child


def _limit_self(cpu_seconds: int, memory_bytes: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child(argv: list[str]) -> int:
    # The reader is imported before the limits, so that they bound the reading alone.
    from minimin.remittances.parsers.pdf_parser import parse_pdf

    data = sys.stdin.buffer.read()
    _limit_self(int(argv[1]), int(argv[2]))
    try:
        answer: dict[str, Any] = {"opened": True, "result": to_json(parse_pdf(data))}
    except RemittanceParseError as exc:
        answer = {"opened": False, "problems": [problem_to_json(p) for p in exc.problems]}
    except MemoryError:
        return 3
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv))
