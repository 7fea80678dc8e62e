"""OFX v1/v2 parsing (entity bombs refused), categorisation rules and reconciliation matching."""

from __future__ import annotations

import time
import uuid
from datetime import date

import pytest

from minimin.banking import reconcile, rules
from minimin.banking.importers import StatementErrors, ofx_import

V1 = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20250301</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STMTRS><CURDEF>GBP
<BANKACCTFROM><BANKID>000000<ACCTID>12345678<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20250101<DTEND>20250131
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20250103120000.000[0:GMT]<TRNAMT>-12.34<FITID>2025010301
<NAME>TESCO STORES<MEMO>GROCERIES \xa3
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20250104<TRNAMT>1,000.00<FITID>2025010401<NAME>ACME
<REFNUM>INV-0042
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""

V2 = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>GBP</CURDEF><BANKTRANLIST>
<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20250103</DTPOSTED><TRNAMT>-1.50</TRNAMT>
<FITID>X1</FITID><NAME>A &amp; B Caf\xc3\xa9</NAME></STMTTRN>
<STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20250105</DTPOSTED><TRNAMT>20.00</TRNAMT>
<FITID>X2</FITID><PAYEE><NAME>Acme</NAME></PAYEE></STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""


def test_ofx_v1_sgml() -> None:
    rows, currency = ofx_import.parse(V1)
    assert currency == "GBP"
    assert [(r.posted_on, r.amount_pence, r.fitid) for r in rows] == [
        (date(2025, 1, 3), -1234, "2025010301"),
        (date(2025, 1, 4), 100000, "2025010401"),
    ]
    assert rows[0].description == "GROCERIES £"
    assert rows[0].counterparty == "TESCO STORES"
    assert rows[1].reference == "INV-0042"


def test_ofx_v2_xml() -> None:
    rows, currency = ofx_import.parse(V2)
    assert currency == "GBP"
    assert rows[0].counterparty == "A & B Café"
    assert rows[1].counterparty == "Acme"
    assert rows[1].amount_pence == 2000


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE OFX [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
        b'<!DOCTYPE OFX [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE OFX SYSTEM "http://example.com/ofx.dtd">',
    ],
)
def test_entities_and_dtds_are_refused(doctype: bytes) -> None:
    data = V2.replace(b"<OFX>", doctype + b"<OFX>", 1)
    started = time.perf_counter()
    with pytest.raises(StatementErrors) as info:
        ofx_import.parse(data)
    assert "refused for safety" in str(info.value.errors[0])
    assert time.perf_counter() - started < 1


def test_defusedxml_refuses_entities_even_past_the_text_check() -> None:
    # The DOCTYPE check is textual; defusedxml is the second line of defence.
    from defusedxml import ElementTree as SafeET
    from defusedxml import EntitiesForbidden

    with pytest.raises(EntitiesForbidden):
        SafeET.fromstring('<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>', forbid_dtd=False)


def test_ofx_errors_name_the_transaction_and_tag() -> None:
    bad = V1.replace(b"20250104", b"20230229").replace(b"-12.34", b"NaN")
    with pytest.raises(StatementErrors) as info:
        ofx_import.parse(bad)
    messages = [str(e) for e in info.value.errors]
    assert messages[0].startswith("Row 1, column “TRNAMT”")
    assert messages[1].startswith("Row 2, column “DTPOSTED”")
    assert "February 2023 has 28 days" in messages[1]


def test_malformed_xml_and_non_ofx() -> None:
    with pytest.raises(StatementErrors, match="malformed"):
        ofx_import.parse(V2.replace(b"</STMTTRN>", b"", 1))
    with pytest.raises(StatementErrors, match="not an OFX"):
        ofx_import.parse(b"Date,Amount\n")
    with pytest.raises(StatementErrors, match="no transactions"):
        ofx_import.parse(b"OFXHEADER:100\n<OFX><BANKTRANLIST></BANKTRANLIST></OFX>")


# --------------------------------------------------------------------------- rules


def _rule(**kw: object) -> rules.RuleSpec:
    base = {"id": uuid.uuid4(), "match_kind": "contains", "pattern": "", "category": "office"}
    base.update(kw)
    return rules.RuleSpec(**base)  # type: ignore[arg-type]


def test_rules_match_in_order() -> None:
    compiled = rules.compile_rules(
        [
            _rule(pattern="spotlight", category="advertising"),
            _rule(match_kind="regex", pattern=r"^tfl\b", category="travel", direction="out"),
            _rule(
                match_kind="any", pattern="", min_pence=100_000, direction="in", category="income"
            ),
        ]
    )
    assert rules.first_match(compiled, "SPOTLIGHT ANNUAL", "", -15_000).category == "advertising"
    assert rules.first_match(compiled, "TFL TRAVEL CH", "", -280).category == "travel"
    assert rules.first_match(compiled, "TFL TRAVEL CH", "", 280) is None
    assert rules.first_match(compiled, "ACME", "", 150_000).category == "income"
    assert rules.first_match(compiled, "ACME", "", 50_000) is None


def test_bad_and_slow_patterns_are_refused() -> None:
    with pytest.raises(rules.RuleError, match="not a valid regular expression"):
        rules.compile_pattern("(unclosed")
    with pytest.raises(rules.RuleError, match="at most 200"):
        rules.compile_pattern("a" * 201)
    started = time.perf_counter()
    with pytest.raises(rules.RuleError, match="too slow"):
        rules.compile_pattern(r"(a|aa)+$")
    assert time.perf_counter() - started < 2


def test_a_slow_stored_pattern_times_out_instead_of_hanging() -> None:
    compiled = rules.CompiledRule(
        _rule(match_kind="regex", pattern="x"), "x", __import__("regex").compile(r"(x+x+)+y")
    )
    started = time.perf_counter()
    assert compiled.matches("x" * 5000, -1) is False
    assert time.perf_counter() - started < 2


def test_learned_categories_take_the_most_frequent() -> None:
    learned = rules.learn(
        [
            ("pret", "subsistence"),
            ("pret", "entertainment"),
            ("pret", "subsistence"),
            ("tfl", "travel"),
        ]
    )
    assert learned == {"pret": "subsistence", "tfl": "travel"}
    assert rules.learn([("x", "a"), ("x", "b")]) == {"x": "b"}


# --------------------------------------------------------------------------- reconcile

D = date(2025, 3, 1)


def _txn(
    pence: int, *, reference: str = "", counterparty: str = "", day: date = date(2025, 3, 20)
) -> reconcile.Txn:
    return reconcile.Txn(
        uuid.uuid4(), day, pence, abs(pence), counterparty=counterparty, reference=reference
    )


def _inv(
    number: str, pence: int, name: str = "Acme Studios Ltd", issued: date = D
) -> reconcile.OpenInvoice:
    return reconcile.OpenInvoice(uuid.uuid4(), number, name, pence, issued)


def test_exact_amount_and_reference_rank_first() -> None:
    right, other = _inv("INV-0007", 50_000), _inv("INV-0008", 50_000, name="Other Ltd")
    txn = _txn(50_000, reference="INV 0007", counterparty="ACME STUDIOS")
    found = reconcile.suggest([txn], [other, right])[txn.id]
    assert found[0].targets[0].id == right.id
    assert found[0].score == 50 + 45 + 20 + 10
    assert "the reference contains the invoice number INV-0007" in [
        str(r) for r in found[0].reasons
    ]
    assert found[1].targets[0].id == other.id


def test_payment_before_issue_is_not_offered_and_rejected_stay_hidden() -> None:
    inv = _inv("INV-1", 10_000, issued=date(2025, 4, 1))
    txn = _txn(10_000)
    assert reconcile.suggest([txn], [inv]) == {}
    later = _inv("INV-2", 10_000)
    assert reconcile.suggest([txn], [later], rejected={(txn.id, "invoice", later.id)}) == {}


def test_part_payment_by_reference() -> None:
    inv = _inv("INV-0099", 100_000)
    txn = _txn(40_000, reference="INV-0099")
    found = reconcile.suggest([txn], [inv])[txn.id][0]
    assert found.targets[0].amount_pence == 40_000
    assert "a part payment" in [str(r) for r in found.reasons]


def test_one_deposit_settling_several_invoices_is_a_split() -> None:
    a, b = _inv("INV-1", 30_000, issued=date(2025, 2, 1)), _inv("INV-2", 20_000)
    txn = _txn(50_000, counterparty="Acme Studios")
    found = reconcile.suggest([txn], [a, b])[txn.id]
    split = next(s for s in found if s.is_split)
    assert [t.id for t in split.targets] == [a.id, b.id]
    assert split.total_pence == 50_000


def test_agency_payments_and_expenses() -> None:
    job = reconcile.ExpectedPayment(
        uuid.uuid4(), "Vogue shoot", "Top Models Agency", 82_000, date(2025, 3, 2)
    )
    txn = _txn(82_000, counterparty="TOP MODELS")
    found = reconcile.suggest([txn], expected=[job])[txn.id][0]
    assert found.targets[0].kind == "job"
    assert found.score == 80
    exp = reconcile.OpenExpense(uuid.uuid4(), date(2025, 3, 18), 1_450, "Equity")
    out = _txn(-1_450, counterparty="EQUITY")
    assert reconcile.suggest([out], expenses=[exp])[out.id][0].targets[0].id == exp.id
    far = _txn(-1_450, day=date(2025, 5, 1))
    assert reconcile.suggest([far], expenses=[exp]) == {}


def test_currency_must_agree() -> None:
    inv = reconcile.OpenInvoice(uuid.uuid4(), "INV-1", "Acme", 100, D, currency="EUR")
    assert reconcile.suggest([_txn(100, reference="INV-1")], [inv]) == {}


def test_suggestions_scale_without_a_quadratic_scan() -> None:
    invoices = [_inv(f"INV-{i:05d}", 10_000 + i, name=f"Client {i}") for i in range(5_000)]
    txns = [_txn(10_000 + (i % 7_000), reference=f"INV-{i % 5_000:05d}") for i in range(10_000)]
    started = time.perf_counter()
    found = reconcile.suggest(txns, invoices)
    assert time.perf_counter() - started < 2
    assert len(found) == 10_000
