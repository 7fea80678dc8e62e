"""The text of an uploaded PDF, read in a child process with CPU-time, memory and wall-clock
limits, as remittance PDFs are (docs/decisions/0006-untrusted-pdfs-and-failing-closed.md).

The child runs ``python -m minimin.ai.pdftext`` with ``RLIMIT_CPU``/``RLIMIT_AS``, no
environment beyond ``PATH``, the PDF on standard input and ``{"text": ...}`` on standard output;
it reads at most :data:`MAX_PAGES` pages and :data:`MAX_CHARS` characters.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

MAX_PAGES = 10
MAX_CHARS = 20_000
CPU_SECONDS = 15
MEMORY_BYTES = 768 * 1024 * 1024
WALL_SECONDS = 30.0


class PDFUnreadable(Exception):
    """The reader failed, ran out of its limits, or said something unreadable."""


def read_text(data: bytes) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-m", __name__, str(CPU_SECONDS), str(MEMORY_BYTES)],
            input=data,
            capture_output=True,
            timeout=WALL_SECONDS,
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"},
            cwd="/",
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PDFUnreadable("timeout") from exc
    if done.returncode != 0:
        raise PDFUnreadable(f"exit {done.returncode}")
    try:
        text = json.loads(done.stdout[: 8 * MAX_CHARS])["text"]
    except (ValueError, KeyError, TypeError) as exc:
        raise PDFUnreadable("unreadable answer") from exc
    if not isinstance(text, str):
        raise PDFUnreadable("unreadable answer")
    return text[:MAX_CHARS]


def _child(argv: list[str]) -> int:
    import resource

    import pdfplumber  # imported before the limits, so they bound the reading alone

    data = sys.stdin.buffer.read()
    cpu, memory = int(argv[1]), int(argv[2])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            parts = [(page.extract_text() or "") for page in pdf.pages[:MAX_PAGES]]
    except MemoryError:
        return 3
    except Exception:  # pdfminer raises many kinds on a damaged file
        return 2
    sys.stdout.write(json.dumps({"text": "\n".join(parts)[:MAX_CHARS]}))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv))
