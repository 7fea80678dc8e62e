"""OFX and QFX statements, version 1 (SGML, tags often left unclosed) and version 2 (XML).

Version 2 is parsed with defusedxml with DTDs, entities and external references forbidden, so
an entity bomb ("billion laughs") or an external entity is refused before anything expands.
Version 1 is read by a small tolerant reader: each ``<STMTTRN>`` block and its leaf elements
(``<TAG>value``), closed or not. Pure functions.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from flask_babel import lazy_gettext as _l

from minimin.banking.importers import (
    COUNTERPARTY_MAX,
    DESCRIPTION_MAX,
    FITID_MAX,
    MAX_ERRORS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    REFERENCE_MAX,
    ParsedTransaction,
    StatementError,
    StatementErrors,
    clean_text,
)
from minimin.banking.importers.detect import parse_amount

_TRN_V1 = re.compile(r"<STMTTRN>(.*?)(?:</STMTTRN>|(?=<STMTTRN>)|(?=</BANKTRANLIST>))", re.I | re.S)
_LEAF_V1 = re.compile(r"<([A-Z0-9.]+)>([^<]*)", re.I)
_CURDEF = re.compile(r"<CURDEF>\s*([A-Z]{3})", re.I)
_DT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ENTITY = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.I)


def looks_like_ofx(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    return head.startswith((b"OFXHEADER", b"<?XML", b"<OFX")) and b"<OFX" in data[:65536].upper()


def _text(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise StatementError(
            _l("The file is larger than %(mb)d MB.", mb=MAX_FILE_BYTES // (1024 * 1024))
        )
    raw = data.removeprefix(b"\xef\xbb\xbf")
    header = raw[:1024].upper()
    if b"CHARSET:1252" in header:
        return raw.decode("windows-1252", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("windows-1252", errors="replace")


def parse(data: bytes) -> tuple[list[ParsedTransaction], str | None]:
    """(transactions, currency from CURDEF) of an OFX/QFX file; raises
    :class:`StatementErrors` naming the transaction (its position in the file) and the tag."""
    try:
        text = _text(data)
        if not looks_like_ofx(data):
            raise StatementError(_l("This is not an OFX or QFX file."))
        if "\x00" in text:
            raise StatementError(_l("The file contains a NUL character."))
        stripped = text.lstrip()
        is_xml = (
            stripped.startswith("<?xml")
            or stripped.upper().startswith("<?OFX")
            or (
                "OFXHEADER" not in text[:200].upper()
                and "</STMTTRN>" in text.upper()
                and stripped.startswith("<")
            )
        )
        if _ENTITY.search(text):
            raise StatementError(
                _l("The file declares a DTD or XML entities, which are refused for safety.")
            )
        blocks = _blocks_xml(text) if is_xml else _blocks_sgml(text)
        currency = _currency(text)
    except StatementError as exc:
        raise StatementErrors([exc]) from exc
    rows: list[ParsedTransaction] = []
    errors: list[StatementError] = []
    more = 0
    for number, fields in enumerate(blocks, start=1):
        if number > MAX_ROWS:
            raise StatementErrors(
                [StatementError(_l("The file has more than %(max)d transactions.", max=MAX_ROWS))]
            )
        try:
            rows.append(_transaction(number, fields))
        except StatementError as exc:
            if len(errors) < MAX_ERRORS:
                errors.append(exc)
            else:
                more += 1
    if errors:
        raise StatementErrors(errors, more)
    if not rows:
        raise StatementErrors([StatementError(_l("The file has no transactions."))])
    return rows, currency


def _currency(text: str) -> str | None:
    match = _CURDEF.search(text)
    return match.group(1).upper() if match else None


def _blocks_sgml(text: str) -> list[dict[str, str]]:
    body_at = text.upper().find("<OFX>")
    if body_at < 0:
        raise StatementError(_l("The file has no <OFX> element."))
    blocks = []
    for match in _TRN_V1.finditer(text, body_at):
        fields: dict[str, str] = {}
        for tag, value in _LEAF_V1.findall(match.group(1)):
            tag = tag.upper()
            value = value.strip()
            if value and tag not in fields:
                fields[tag] = value
            elif value and tag == "NAME":
                fields.setdefault("PAYEE.NAME", value)
        blocks.append(fields)
    return blocks


def _blocks_xml(text: str) -> list[dict[str, str]]:
    start = text.find("<OFX")
    if start < 0:
        start = text.upper().find("<OFX")
    body = text[start:] if start >= 0 else text
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise StatementError(
            _l("The file declares a DTD or XML entities, which are refused for safety.")
        ) from exc
    except SafeET.ParseError as exc:
        line = getattr(exc, "position", (None,))[0]
        raise StatementError(
            _l("The XML is malformed: %(detail)s.", detail=str(exc)[:120]), row=line
        ) from exc
    blocks = []
    for trn in root.iter():
        if trn.tag.upper() != "STMTTRN":
            continue
        fields: dict[str, str] = {}
        for child in trn.iter():
            if child is trn:
                continue
            value = (child.text or "").strip()
            if value and child.tag.upper() not in fields:
                fields[child.tag.upper()] = value
        blocks.append(fields)
    return blocks


def _date(value: str) -> date:
    match = _DT.match(value)
    if not match:
        raise StatementError(_l("“%(value)s” is not an OFX date (YYYYMMDD).", value=value[:40]))
    y, m, d = (int(g) for g in match.groups())
    if not 1900 <= y <= 2100 or not 1 <= m <= 12:
        raise StatementError(_l("“%(value)s” is not a valid date.", value=value[:40]))
    last = calendar.monthrange(y, m)[1]
    if not 1 <= d <= last:
        raise StatementError(
            _l(
                "“%(value)s” does not exist: %(month)s %(year)d has %(last)d days.",
                value=value[:40],
                month=calendar.month_name[m],
                year=y,
                last=last,
            )
        )
    return date(y, m, d)


def _transaction(number: int, fields: dict[str, Any]) -> ParsedTransaction:
    posted_raw = fields.get("DTPOSTED") or fields.get("DTUSER")
    if not posted_raw:
        raise StatementError(_l("the transaction has no date."), row=number, column="DTPOSTED")
    try:
        posted = _date(posted_raw)
    except StatementError as exc:
        raise StatementError(exc.message, row=number, column="DTPOSTED") from exc
    amount_raw = fields.get("TRNAMT")
    if amount_raw is None:
        raise StatementError(_l("the transaction has no amount."), row=number, column="TRNAMT")
    try:
        amount = parse_amount(amount_raw, decimal_comma=True)
    except StatementError as exc:
        raise StatementError(exc.message, row=number, column="TRNAMT") from exc
    name = fields.get("NAME") or fields.get("PAYEE.NAME") or ""
    memo = fields.get("MEMO") or ""
    reference = fields.get("REFNUM") or fields.get("CHECKNUM") or ""
    return ParsedTransaction(
        row=number,
        posted_on=posted,
        amount_pence=amount,
        description=clean_text(memo or name, DESCRIPTION_MAX),
        counterparty=clean_text(name, COUNTERPARTY_MAX),
        reference=clean_text(reference, REFERENCE_MAX),
        fitid=clean_text(fields.get("FITID") or "", FITID_MAX) or None,
    )
