"""Inspection of untrusted PDFs with a real parser (qpdf, through pikepdf).

A byte search for ``/JavaScript`` is easy to evade: PDF names may spell any character as
``#xx`` (``/Java#53cript`` is ``/JavaScript``), a name may be followed directly by ``>>``,
and objects may sit compressed inside object streams where no byte search can see them. qpdf
reads the file the way a viewer does: it decodes names, opens object streams and repairs a
damaged cross-reference table, so the check below sees every object a viewer would see.

Pure: bytes in, a verdict out. No Flask, no database.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

import pikepdf

#: Objects a PDF may hold before it counts as a structure bomb (a 20-page remittance has a few
#: hundred; a 500-page scanned document a few thousand).
MAX_OBJECTS = 200_000
#: Nesting of arrays and dictionaries inspected (qpdf itself refuses deeper than 500).
MAX_DEPTH = 100

#: Dictionary keys that carry active content or files, whatever their value.
ACTIVE_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",  # additional actions: run on open, close, focus, print, keystroke…
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/RichMedia",
        "/RichMediaContent",
        "/RichMediaSettings",
        "/XFA",
    }
)
#: Action types (``/S``) and object types (``/Type``, ``/Subtype``) that run, open, send or carry
#: something. ``/GoTo`` (a page in the same file) and ``/URI`` (a link the reader must click)
#: are ordinary and kept.
ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/GoToE",
        "/GoToR",
        "/RichMedia",
        "/RichMediaExecute",
        "/Rendition",
        "/Movie",
        "/Sound",
        "/EmbeddedFile",
        "/FileAttachment",
    }
)
_TYPE_KEYS = ("/S", "/Type", "/Subtype")
_RAW_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]{1,127})")
_STREAM_BODY = re.compile(rb"\bstream\r?\n.*?\bendstream\b", re.DOTALL)
#: What the raw look searches for: the structural names only (``/Sound`` or ``/Movie`` could be
#: words in a URL; ``/JavaScript`` in a dictionary is not).
_RAW_ACTIVE = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
    }
)
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class Verdict(Enum):
    CLEAN = "clean"
    UNREADABLE = "unreadable"
    ENCRYPTED = "encrypted"
    ACTIVE = "active"
    TOO_COMPLEX = "too_complex"


@dataclass(frozen=True)
class Inspection:
    verdict: Verdict
    pages: int = 0
    #: The decoded name that made a file active (for logs and tests, never shown to people).
    reason: str = ""


def inspect_pdf(data: bytes) -> Inspection:
    """Open *data* with qpdf and look at every object for active content."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return Inspection(Verdict.ENCRYPTED)
    except Exception:  # qpdf raises many types for hostile input; all mean "unreadable"
        return Inspection(Verdict.UNREADABLE)
    with pdf:
        if pdf.is_encrypted:
            return Inspection(Verdict.ENCRYPTED)
        try:
            return _inspect_open(pdf, data)
        except Exception:
            return Inspection(Verdict.UNREADABLE)


def _inspect_open(pdf: pikepdf.Pdf, data: bytes) -> Inspection:
    if len(pdf.objects) > MAX_OBJECTS:
        return Inspection(Verdict.TOO_COMPLEX)
    raw_names = _raw_names(data)
    if "/Encrypt" in raw_names:
        return Inspection(Verdict.ENCRYPTED)
    reason = _active_in_trailer_and_objects(pdf) or min(raw_names & _RAW_ACTIVE, default="")
    if reason:
        return Inspection(Verdict.ACTIVE, reason=reason)
    pages = len(pdf.pages)
    if not pages:
        return Inspection(Verdict.UNREADABLE)
    return Inspection(Verdict.CLEAN, pages=pages)


def _active_in_trailer_and_objects(pdf: pikepdf.Pdf) -> str:
    open_action = pdf.Root.get("/OpenAction")
    if isinstance(open_action, pikepdf.Dictionary) and open_action.get("/S") != pikepdf.Name.GoTo:
        return "/OpenAction"
    roots: Iterator[pikepdf.Object] = iter([pdf.trailer, *pdf.objects])
    for root in roots:
        found = _active_in(root, 0)
        if found:
            return found
    return ""


def _active_in(obj: pikepdf.Object, depth: int) -> str:
    """The first active key or name inside *obj*, following direct children only (indirect
    ones are visited on their own, as members of ``pdf.objects``)."""
    if depth > MAX_DEPTH:
        return "/depth"
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        items = list(obj.items())
        for key, _value in items:
            if key in ACTIVE_KEYS:
                return str(key)
        for key in _TYPE_KEYS:
            value = obj.get(key)
            if isinstance(value, pikepdf.Name) and str(value) in ACTIVE_NAMES:
                return str(value)
        children: list[pikepdf.Object] = [value for _key, value in items]
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return ""
    for child in children:
        # Numbers, strings and names come back as Python values; only containers hold more.
        if not isinstance(child, pikepdf.Object) or child.is_indirect:
            continue
        found = _active_in(child, depth + 1)
        if found:
            return found
    return ""


def _raw_names(data: bytes) -> set[str]:
    """The names in the raw bytes outside stream bodies, ``#xx`` escapes decoded.

    A second look for what a more lenient reader might find and qpdf did not use: an object
    outside the cross-reference table, an older revision left behind an incremental update, an
    /Encrypt entry that points nowhere. Stream bodies are left out: compressed data is arbitrary
    bytes, and what a stream holds (pictures, fonts, page text) is not structure.
    """
    names = set()
    for match in _RAW_NAME.finditer(_STREAM_BODY.sub(b" ", data)):
        raw = match.group(1)
        decoded = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
        names.add("/" + decoded.decode("latin-1"))
    return names
