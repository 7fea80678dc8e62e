"""The assistant: questions about the user's own books, answered through read-only tools.

Every tool takes the signed-in user's id from the server, never from the model or the
question, and reads through the ORM or the reports' own functions: no tool writes, sends or
reaches another user's rows. Drafts (a payment reminder) are text for the user to copy or
confirm on the invoice's page; nothing is sent.

Without a key, :func:`answer_locally` recognises a fixed set of questions (intent patterns) and
answers them from the same tools. With Claude, the model is offered only these tools; the
question and the tool results are redacted before they leave, restored in the answer.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from minimin.core.dates import add_days
from minimin.extensions import db

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def _pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


def _owed(invoice: Any) -> int:
    owed = (
        invoice.total_pence - invoice.credited_pence - (invoice.paid_pence - invoice.refunded_pence)
    )
    return max(owed, 0)


def owed_by(user_id: uuid.UUID, name: str, today: date) -> dict[str, Any]:
    """Open invoices of this user whose customer's name contains *name* ("" for all)."""
    from minimin.invoices.models import OPEN_STATUSES, Invoice

    query = sa.select(Invoice).where(Invoice.user_id == user_id, Invoice.status.in_(OPEN_STATUSES))
    if name.strip():
        query = query.where(Invoice.customer_name.ilike(f"%{_like(name.strip())}%", escape="\\"))
    invoices = list(db.session.scalars(query.order_by(Invoice.due_date).limit(50)))
    rows = [
        {
            "number": inv.number,
            "customer": inv.customer_name,
            "owed_pence": _owed(inv),
            "due_date": inv.due_date.isoformat() if inv.due_date else None,
            "overdue": bool(inv.due_date and inv.due_date < today),
        }
        for inv in invoices
        if _owed(inv) > 0
    ]
    return {"invoices": rows, "total_pence": sum(r["owed_pence"] for r in rows)}


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def set_aside(user_id: uuid.UUID, today: date) -> dict[str, Any]:
    """What to set aside for income tax and Class 4 NI (the dashboard's projection)."""
    from minimin.reports.dashboard import year_projection

    projection = year_projection(user_id, today)
    if projection is None:
        return {"available": False}
    return {
        "available": True,
        "set_aside_so_far_pence": projection.set_aside_pence,
        "projected_tax_pence": projection.projected_tax_pence,
        "per_month_pence": projection.projected_tax_pence // 12,
    }


def usage_expiring(user_id: uuid.UUID, before: date, today: date) -> dict[str, Any]:
    """Usage licences of this user's jobs that end from today up to *before*."""
    from minimin.jobs.models import CANCELLED, FeeLine, Job

    lines = db.session.execute(
        sa.select(Job.title, FeeLine.usage_expires_on, FeeLine.media, FeeLine.territory)
        .join(Job, Job.id == FeeLine.job_id)
        .where(
            FeeLine.user_id == user_id,
            Job.user_id == user_id,
            FeeLine.usage_expires_on >= today,
            FeeLine.usage_expires_on < before,
            FeeLine.renewed_by_job_id.is_(None),
            Job.status != CANCELLED,
        )
        .order_by(FeeLine.usage_expires_on)
        .limit(50)
    ).all()
    return {
        "licences": [
            {
                "job": title,
                "expires_on": day.isoformat() if day else None,
                "media": media,
                "territory": territory,
            }
            for title, day, media, territory in lines
        ]
    }


def draft_reminder(user_id: uuid.UUID, name: str, today: date) -> dict[str, Any]:
    """A reminder's wording for this user's overdue invoices to *name*: a draft, never sent."""
    owed = owed_by(user_id, name, today)
    overdue = [row for row in owed["invoices"] if row["overdue"]]
    if not overdue:
        return {"draft": None}
    listed = "\n".join(
        f"- {row['number']}: {_pounds(row['owed_pence'])} (due {row['due_date']})"
        for row in overdue
    )
    return {
        "draft": (
            f"Hello,\n\nA friendly reminder that the following invoices are now overdue:\n"
            f"{listed}\n\nI would be grateful for payment at your earliest convenience.\n"
        ),
        "sent": False,
    }


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    properties: dict[str, Any]
    run: Callable[[uuid.UUID, dict[str, Any], date], dict[str, Any]]

    def schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": {"type": "object", "properties": self.properties},
        }


def _before(raw: Any, today: date) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return add_days(today, 90)


TOOLS: tuple[Tool, ...] = (
    Tool(
        "owed_by",
        "Open invoices and what is still owed, for customers whose name contains `name` "
        "(empty for all).",
        {"name": {"type": "string"}},
        lambda uid, args, today: owed_by(uid, str(args.get("name") or ""), today),
    ),
    Tool(
        "set_aside",
        "What to set aside for income tax and Class 4 NI this tax year.",
        {},
        lambda uid, args, today: set_aside(uid, today),
    ),
    Tool(
        "usage_expiring",
        "Usage licences ending before a date (YYYY-MM-DD).",
        {"before": {"type": "string"}},
        lambda uid, args, today: usage_expiring(uid, _before(args.get("before"), today), today),
    ),
    Tool(
        "draft_reminder",
        "Draft (never send) a payment reminder for a customer's overdue invoices.",
        {"name": {"type": "string"}},
        lambda uid, args, today: draft_reminder(uid, str(args.get("name") or ""), today),
    ),
)
BY_NAME = {tool.name: tool for tool in TOOLS}


def run_tool(user_id: uuid.UUID, name: str, args: Any, today: date) -> dict[str, Any]:
    """Run a tool for *user_id* (never a user named by the model)."""
    tool = BY_NAME.get(name)
    if tool is None or not isinstance(args, dict):
        return {"error": "unknown tool"}
    return tool.run(user_id, args, today)


# --------------------------------------------------------------------------- local mode


def _month_start(word: str, today: date) -> date:
    month = _MONTHS.index(word) + 1
    year = today.year if month > today.month else today.year + 1
    return date(year, month, 1)


_OWE = re.compile(r"(?:what|how much) does (.+?) (?:still )?owe", re.IGNORECASE)
_REMIND = re.compile(
    r"remind(?:er)?(?: email)?(?: to| for)? (.+?)(?:,? please)?[?.!]*$", re.IGNORECASE
)
_EXPIRE = re.compile(
    r"(?:licen[cs]es?|usage).*expir\w* before (" + "|".join(_MONTHS) + r")", re.IGNORECASE
)


def answer_locally(user_id: uuid.UUID, question: str, today: date) -> str | None:
    """An answer to a recognised question, or None."""
    text = question.strip()
    if match := _REMIND.search(text):
        result = draft_reminder(user_id, match.group(1).strip(), today)
        if result["draft"] is None:
            return _("Nothing of theirs is overdue, so there is no reminder to draft.")
        return _("Here is a draft (not sent):") + "\n\n" + result["draft"]
    if match := _OWE.search(text):
        return _describe_owed(owed_by(user_id, match.group(1).strip(), today), match.group(1))
    if re.search(r"overdue|who owes|owed to me|outstanding", text, re.IGNORECASE):
        return _describe_owed(owed_by(user_id, "", today), _("your customers"))
    if re.search(r"set aside|put aside|save for (?:the )?tax|tax bill", text, re.IGNORECASE):
        return _describe_set_aside(set_aside(user_id, today))
    if match := _EXPIRE.search(text):
        before = _month_start(match.group(1).lower(), today)
        return _describe_licences(usage_expiring(user_id, before, today), before)
    return None


def _describe_owed(result: dict[str, Any], who: str) -> str:
    if not result["invoices"]:
        return _("%(who)s owe you nothing on open invoices.", who=who.strip().rstrip("?"))
    lines = [
        f"{row['number']} ({row['customer']}): {_pounds(row['owed_pence'])}"
        + (" — " + _("overdue") if row["overdue"] else "")
        for row in result["invoices"]
    ]
    return _("%(total)s in all:", total=_pounds(result["total_pence"])) + "\n" + "\n".join(lines)


def _describe_set_aside(result: dict[str, Any]) -> str:
    if not result["available"]:
        return _("There is no tax table for this tax year yet, so no figure to give.")
    return _(
        "Set aside %(so_far)s so far this tax year (income tax and Class 4 NI on the profit "
        "projected from your books: %(year)s for the year, about %(month)s a month).",
        so_far=_pounds(result["set_aside_so_far_pence"]),
        year=_pounds(result["projected_tax_pence"]),
        month=_pounds(result["per_month_pence"]),
    )


def _describe_licences(result: dict[str, Any], before: date) -> str:
    if not result["licences"]:
        return _("No usage licence ends before %(day)s.", day=before.isoformat())
    return "\n".join(f"{row['job']}: {row['expires_on']}" for row in result["licences"])


def tool_result_text(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, default=str)
