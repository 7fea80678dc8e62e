"""Categorising transactions: the user's own choice, the user's rules (saved, checked,
ordered and applied), and the categories learned from earlier choices.

Rules are tried in their ``position`` order, 1 first, and the first that matches wins; the rules
page shows that order and moves a rule up or down (:func:`move_rule`). Positions are numbered
1..n again on each move, so rules saved before the order could be changed (which may share a
position) get a definite place.

The rule matching itself is pure and lives in :mod:`minimin.banking.rules`; this module loads
and stores rules and transactions. An import applies the rules through :func:`_load_rules`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.banking import rules
from minimin.banking.inputs import CategoryInput, ContactInput, RuleInput, RuleMoveInput
from minimin.banking.models import (
    CATEGORY_BY_RULE,
    CATEGORY_BY_USER,
    DIRECTIONS,
    RULE_ANY,
    RULE_CONTAINS,
    RULE_KINDS,
    RULE_REGEX,
    BankTransaction,
    CategoryRule,
)
from minimin.banking.services.errors import BankingError
from minimin.extensions import db
from minimin.ledger.posting import locked_through

MAX_RULES = 200
#: The order rules are tried in (the id only makes ties, from older data, definite).
RULE_ORDER = (CategoryRule.position, CategoryRule.created_at, CategoryRule.id)


def ordered_rules(user_id: uuid.UUID) -> list[CategoryRule]:
    """The user's rules in the order they are tried."""
    return list(
        db.session.scalars(
            sa.select(CategoryRule).where(CategoryRule.user_id == user_id).order_by(*RULE_ORDER)
        )
    )


def _load_rules(user_id: uuid.UUID) -> list[rules.CompiledRule]:
    found = db.session.scalars(
        sa.select(CategoryRule)
        .where(CategoryRule.user_id == user_id, CategoryRule.active.is_(True))
        .order_by(*RULE_ORDER)
    ).all()
    return rules.compile_rules(rule_spec(r) for r in found)


def rule_spec(rule: CategoryRule) -> rules.RuleSpec:
    return rules.RuleSpec(
        id=rule.id,
        match_kind=rule.match_kind,
        pattern=rule.pattern,
        direction=rule.direction,
        min_pence=rule.min_pence,
        max_pence=rule.max_pence,
        category=rule.category,
        client_id=rule.client_id,
        agency_id=rule.agency_id,
    )


def _check_contacts(
    user_id: uuid.UUID, client_id: uuid.UUID | None, agency_id: uuid.UUID | None
) -> None:
    """Refuse a client or agency that is not the user's own."""
    from minimin.contacts.models import Agency, Client

    for model, given, message, field in (
        (Client, client_id, _l("Choose a client from the list."), "client_id"),
        (Agency, agency_id, _l("Choose an agency from the list."), "agency_id"),
    ):
        if given is None:
            continue
        owner = db.session.scalar(sa.select(model.user_id).where(model.id == given))
        if owner != user_id:
            raise BankingError(message, field)


def set_category(txn: BankTransaction, data: CategoryInput) -> None:
    """The category the user chose for *txn* (None clears it); its client and agency stay.
    Refused for a line in a closed period: its category moves the line's money on the filed
    figures (docs/ledger.md, "Closed periods")."""
    category = data.category or None
    if category is not None and category not in rules.ALL_CATEGORIES:
        raise BankingError(_l("Choose a category from the list."), "category")
    if category != txn.category:
        _ensure_open(txn, "category")
    txn.category = category
    txn.category_source = CATEGORY_BY_USER if category else None
    db.session.flush()


def _ensure_open(txn: BankTransaction, field: str) -> None:
    from minimin.ledger.posting import LedgerError, ensure_open

    try:
        ensure_open(db.session(), txn.user_id, txn.posted_on)
    except LedgerError as exc:
        raise BankingError(exc.message, field, code=exc.code) from exc


def set_contacts(txn: BankTransaction, data: ContactInput) -> None:
    """The client and the agency the transaction is with, as the user chose them (either may
    be None); the category is left as it is."""
    _check_contacts(txn.user_id, data.client_id, data.agency_id)
    txn.client_id = data.client_id
    txn.agency_id = data.agency_id
    txn.contacts_by_user = True
    db.session.flush()


def learned_categories(user_id: uuid.UUID, keys: Iterable[str] | None = None) -> dict[str, str]:
    """Category suggestions learned from the user's own choices: the most frequent category
    the user gave each payee (restricted to *keys* when given)."""
    query = sa.select(BankTransaction.payee_key, BankTransaction.category).where(
        BankTransaction.user_id == user_id,
        BankTransaction.category_source == CATEGORY_BY_USER,
        BankTransaction.category.is_not(None),
    )
    if keys is not None:
        wanted = sorted({k for k in keys if k})
        if not wanted:
            return {}
        query = query.where(BankTransaction.payee_key.in_(wanted))
    query = query.order_by(BankTransaction.updated_at, BankTransaction.id)
    return rules.learn((k, c) for k, c in db.session.execute(query))


def _check_rule(user_id: uuid.UUID, data: RuleInput) -> str:
    """Refuse a rule that cannot work; returns its pattern, trimmed."""
    pattern = (data.pattern or "").strip()
    if data.match_kind not in RULE_KINDS:
        raise BankingError(_l("Choose how the rule matches."), "match_kind")
    if data.match_kind == RULE_REGEX:
        try:
            rules.compile_pattern(pattern)
        except rules.RuleError as exc:
            raise BankingError(exc.message, "pattern") from exc
    elif data.match_kind == RULE_CONTAINS and not pattern:
        raise BankingError(_l("Enter the text the description contains."), "pattern")
    if len(pattern) > rules.PATTERN_MAX:
        raise BankingError(_l("Use at most %(max)d characters.", max=rules.PATTERN_MAX), "pattern")
    if data.direction not in DIRECTIONS:
        raise BankingError(_l("Choose money in, money out or either."), "direction")
    if data.match_kind == RULE_ANY and data.min_pence is None and data.max_pence is None:
        raise BankingError(_l("A rule without text needs an amount range."), "min_amount")
    if (
        data.min_pence is not None
        and data.max_pence is not None
        and data.min_pence > data.max_pence
    ):
        raise BankingError(_l("The lowest amount is more than the highest."), "max_amount")
    if data.category is not None and data.category not in rules.ALL_CATEGORIES:
        raise BankingError(_l("Choose a category from the list."), "category")
    if not (data.category or data.client_id or data.agency_id):
        raise BankingError(
            _l("Choose a category, a client or an agency for the rule to set."), "category"
        )
    _check_contacts(user_id, data.client_id, data.agency_id)
    return pattern


def create_rule(user_id: uuid.UUID, data: RuleInput) -> CategoryRule:
    """A new rule of the user's, tried after the others."""
    pattern = _check_rule(user_id, data)
    count, last = db.session.execute(
        sa.select(sa.func.count(CategoryRule.id), sa.func.max(CategoryRule.position)).where(
            CategoryRule.user_id == user_id
        )
    ).one()
    if count and count >= MAX_RULES:
        raise BankingError(_l("You have %(n)d rules, the most allowed.", n=MAX_RULES))
    rule = CategoryRule(user_id=user_id, position=(last or 0) + 1)
    db.session.add(rule)
    return _fill_rule(rule, data, pattern)


def update_rule(rule: CategoryRule, data: RuleInput) -> CategoryRule:
    """Change one of the user's rules (it keeps its place in the order)."""
    return _fill_rule(rule, data, _check_rule(rule.user_id, data))


def _fill_rule(rule: CategoryRule, data: RuleInput, pattern: str) -> CategoryRule:
    rule.match_kind = data.match_kind
    rule.pattern = pattern
    rule.direction = data.direction
    rule.min_pence, rule.max_pence = data.min_pence, data.max_pence
    rule.category = data.category or None
    rule.client_id = data.client_id
    rule.agency_id = data.agency_id
    db.session.flush()
    return rule


def delete_rule(rule: CategoryRule) -> None:
    """Delete one of the user's rules (the ones after it keep their order)."""
    db.session.delete(rule)


def move_rule(rule: CategoryRule, data: RuleMoveInput) -> bool:
    """Move *rule* one place earlier (up) or later (down) in the order rules are tried;
    False when it is already first or last. The user's rules are numbered 1..n again."""
    steps = {"up": -1, "down": 1}
    if data.direction not in steps:
        raise BankingError(_l("Move a rule up or down."), "direction")
    step = steps[data.direction]
    found = ordered_rules(rule.user_id)
    here = found.index(rule)
    there = here + step
    if not 0 <= there < len(found):
        return False
    found[here], found[there] = found[there], found[here]
    for number, each in enumerate(found, start=1):
        each.position = number
    db.session.flush()
    return True


@dataclass(frozen=True)
class RulesApplied:
    """What applying the rules did: how many lines they categorised, and how many they
    matched but left alone because the lines are dated in a closed period (up to
    ``locked_through``)."""

    categorised: int
    skipped_closed: int = 0
    locked_through: dt.date | None = None


def apply_rules(user_id: uuid.UUID) -> RulesApplied:
    """Apply the rules to transactions without a category (never overriding the user's own
    choices: a client or agency the user set, or cleared, stays).

    A line dated in a closed period is left alone, as :func:`set_category` refuses it by
    hand: its category would move money on figures already filed (the ledger would post the
    change on the first open day instead, a correction the user never asked for). Those the
    rules matched are counted, so the user is told why they still have no category."""
    compiled = _load_rules(user_id)
    if not compiled:
        return RulesApplied(0)
    through = locked_through(db.session(), user_id)
    categorised = skipped = 0
    txns = db.session.scalars(
        sa.select(BankTransaction).where(
            BankTransaction.user_id == user_id, BankTransaction.category.is_(None)
        )
    )
    for txn in txns:
        rule = rules.first_match(compiled, txn.description, txn.counterparty, txn.amount_pence)
        if rule is None:
            continue
        if through is not None and txn.posted_on <= through:
            skipped += 1
            continue
        txn.category = rule.category
        txn.category_source = CATEGORY_BY_RULE if rule.category else None
        if not txn.contacts_by_user:
            txn.client_id = txn.client_id or rule.client_id
            txn.agency_id = txn.agency_id or rule.agency_id
        categorised += 1
    db.session.flush()
    return RulesApplied(categorised, skipped, through if skipped else None)
