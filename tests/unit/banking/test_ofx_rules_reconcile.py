"""OFX v1/v2 parsing (entity bombs refused), categorisation rules and reconciliation matching."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import regex

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


def _billion_laughs(levels: int = 10) -> bytes:
    """A DOCTYPE whose last entity expands to 10 ** (levels - 1) copies of "lol" (3 GB)."""
    entities = [b'<!ENTITY lol0 "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (n, b"".join(b"&lol%d;" % (n - 1) for _ in range(10)))
        for n in range(1, levels)
    ]
    return b"<!DOCTYPE OFX [" + b"".join(entities) + b"]>"


@pytest.mark.parametrize(
    ("doctype", "name"),
    [
        (_billion_laughs(), b"&lol9;"),
        (b'<!DOCTYPE OFX [<!ENTITY x SYSTEM "file:///etc/passwd">]>', b"&x;"),
        (b'<!DOCTYPE OFX SYSTEM "http://example.com/ofx.dtd">', b"Acme"),
    ],
)
def test_entities_and_dtds_are_refused(doctype: bytes, name: bytes) -> None:
    data = V2.replace(b"<OFX>", doctype + b"<OFX>", 1).replace(b"<NAME>Acme", b"<NAME>" + name)
    with pytest.raises(StatementErrors) as info:
        ofx_import.parse(data)
    # Refused as a declaration, not reported as malformed after an expansion was attempted
    # (expat's own amplification limit would say "malformed"), and nothing was read.
    assert [str(e) for e in info.value.errors] == [
        "The file declares a DTD or XML entities, which are refused for safety."
    ]


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
    return rules.RuleSpec(**base)


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
    with pytest.raises(rules.RuleError, match="too slow") as info:
        rules.compile_pattern(r"(a|aa)+$")
    # Refused because the regex engine's time limit stopped a probe, not by guessing from the
    # pattern's text: trying a pattern costs at most one time limit per probe.
    assert isinstance(info.value.__cause__, TimeoutError)


class _LimitedSearches:
    """A real compiled pattern that records the time limit of each search and refuses to run
    one without a limit (the test would hang on a catastrophic pattern instead of failing)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = regex.compile(pattern)
        self.timeouts: list[float] = []

    def search(self, text: str, *args: object, timeout: float | None = None) -> object:
        if timeout is None:
            pytest.fail(f"{self.pattern.pattern!r} was run without a time limit")
        self.timeouts.append(timeout)
        return self.pattern.search(text, *args, timeout=timeout)


def test_a_slow_stored_pattern_times_out_instead_of_hanging() -> None:
    # A pattern stored before the slow-pattern check existed: compile_pattern would refuse it.
    catastrophic = _LimitedSearches(r"(x+x+)+y")
    rule = _rule(match_kind="regex", pattern="x")
    compiled = rules.CompiledRule(rule, "x", catastrophic)
    assert compiled.matches("x" * 5000, -1) is False
    assert catastrophic.timeouts == [rules.MATCH_TIMEOUT]
    # The False is the engine giving up at that limit, not a completed search.
    with pytest.raises(TimeoutError):
        catastrophic.pattern.search("x" * 5000, timeout=rules.MATCH_TIMEOUT)
    # A sound stored pattern still matches under the same limit.
    sound = _LimitedSearches(r"^x+$")
    sound_rule = rules.CompiledRule(rule, "x", sound)
    assert sound_rule.matches("x" * 5000, -1) is True
    assert sound.timeouts == [rules.MATCH_TIMEOUT]


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


class _CountedInvoice(reconcile.OpenInvoice):
    """An open invoice that counts every read of its fields: the matcher's work on invoices."""

    __slots__ = ()
    reads = [0]

    def __getattribute__(self, name: str) -> object:
        _CountedInvoice.reads[0] += 1
        return object.__getattribute__(self, name)


def _invoice_reads_to_suggest(n_invoices: int) -> int:
    """Invoice field reads while suggesting for 2 × *n_invoices* transactions. Every payer's
    name shares the token "client", so a matcher that followed a common name token (or scanned
    every invoice) would look at every invoice for every transaction."""
    invoices = [
        _CountedInvoice(uuid.uuid4(), f"INV-{i:05d}", f"Client {i}", 10_000 + i, D)
        for i in range(n_invoices)
    ]
    txns = [
        _txn(
            10_000 + i % (n_invoices * 7 // 5),
            reference=f"INV-{i % n_invoices:05d}",
            counterparty=f"CLIENT {i % n_invoices}",
        )
        for i in range(2 * n_invoices)
    ]
    _CountedInvoice.reads[0] = 0
    found = reconcile.suggest(txns, invoices)
    reads = _CountedInvoice.reads[0]
    # Every transaction names its invoice in the reference: the right one ranks first.
    assert len(found) == len(txns)
    sample = txns[n_invoices + 3]
    assert found[sample.id][0].targets[0].label.startswith("INV-00003 ")
    return reads


def test_suggestions_scale_without_a_quadratic_scan() -> None:
    small = 500
    assert small > reconcile.NAME_CANDIDATES  # the common token really is common
    work_small = _invoice_reads_to_suggest(small)
    work_large = _invoice_reads_to_suggest(10 * small)
    # Ten times the transactions and the invoices: ten times the work (a scan of every invoice
    # per transaction would be a hundred times).
    assert work_large <= 11 * work_small, (work_small, work_large)
