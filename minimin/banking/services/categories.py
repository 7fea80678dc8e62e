"""Categorising transactions: the user's own choice, the user's rules (saved, checked and
applied), and the categories learned from earlier choices.

The rule matching itself is pure and lives in :mod:`minimin.banking.rules`; this module loads
and stores rules and transactions. An import applies the rules through :func:`_load_rules`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.banking import rules
from minimin.banking.models import (
    CATEGORY_BY_RULE,
    CATEGORY_BY_USER,
    BankTransaction,
    CategoryRule,
)
from minimin.banking.services.errors import BankingError
from minimin.extensions import db

MAX_RULES = 200


def _load_rules(user_id: uuid.UUID) -> list[rules.CompiledRule]:
    found = db.session.scalars(
        sa.select(CategoryRule)
        .where(CategoryRule.user_id == user_id, CategoryRule.active.is_(True))
        .order_by(CategoryRule.position, CategoryRule.created_at)
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


def set_category(
    txn: BankTransaction,
    *,
    category: str | None,
    client_id: uuid.UUID | None = None,
    agency_id: uuid.UUID | None = None,
) -> None:
    if category is not None and category not in rules.ALL_CATEGORIES:
        raise BankingError(_l("Choose a category from the list."), "category")
    txn.category = category
    txn.category_source = CATEGORY_BY_USER if category else None
    txn.client_id = client_id
    txn.agency_id = agency_id
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


def save_rule(user_id: uuid.UUID, rule: CategoryRule | None = None, **fields: Any) -> CategoryRule:
    match_kind = fields.get("match_kind") or "contains"
    pattern = (fields.get("pattern") or "").strip()
    if match_kind not in ("contains", "regex", "any"):
        raise BankingError(_l("Choose how the rule matches."), "match_kind")
    if match_kind == "regex":
        try:
            rules.compile_pattern(pattern)
        except rules.RuleError as exc:
            raise BankingError(exc.message, "pattern") from exc
    elif match_kind == "contains" and not pattern:
        raise BankingError(_l("Enter the text the description contains."), "pattern")
    if len(pattern) > rules.PATTERN_MAX:
        raise BankingError(_l("Use at most %(max)d characters.", max=rules.PATTERN_MAX), "pattern")
    min_pence, max_pence = fields.get("min_pence"), fields.get("max_pence")
    if match_kind == "any" and min_pence is None and max_pence is None:
        raise BankingError(_l("A rule without text needs an amount range."), "min_amount")
    if min_pence is not None and max_pence is not None and min_pence > max_pence:
        raise BankingError(_l("The lowest amount is more than the highest."), "max_amount")
    category = fields.get("category") or None
    if category is not None and category not in rules.ALL_CATEGORIES:
        raise BankingError(_l("Choose a category from the list."), "category")
    if not (category or fields.get("client_id") or fields.get("agency_id")):
        raise BankingError(
            _l("Choose a category, a client or an agency for the rule to set."), "category"
        )
    if rule is None:
        count = db.session.scalar(
            sa.select(sa.func.count(CategoryRule.id)).where(CategoryRule.user_id == user_id)
        )
        if count and count >= MAX_RULES:
            raise BankingError(_l("You have %(n)d rules, the most allowed.", n=MAX_RULES))
        rule = CategoryRule(user_id=user_id, position=(count or 0) + 1)
        db.session.add(rule)
    rule.match_kind = match_kind
    rule.pattern = pattern
    rule.direction = fields.get("direction") or "any"
    rule.min_pence, rule.max_pence = min_pence, max_pence
    rule.category = category
    rule.client_id = fields.get("client_id")
    rule.agency_id = fields.get("agency_id")
    db.session.flush()
    return rule


def apply_rules(user_id: uuid.UUID) -> int:
    """Apply the rules to transactions without a category (never overriding the user's own
    choices); returns how many were categorised."""
    compiled = _load_rules(user_id)
    if not compiled:
        return 0
    count = 0
    txns = db.session.scalars(
        sa.select(BankTransaction).where(
            BankTransaction.user_id == user_id, BankTransaction.category.is_(None)
        )
    )
    for txn in txns:
        rule = rules.first_match(compiled, txn.description, txn.counterparty, txn.amount_pence)
        if rule is None:
            continue
        txn.category = rule.category
        txn.category_source = CATEGORY_BY_RULE if rule.category else None
        txn.client_id = txn.client_id or rule.client_id
        txn.agency_id = txn.agency_id or rule.agency_id
        count += 1
    db.session.flush()
    return count
