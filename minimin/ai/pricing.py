"""Anonymous job pricing: opted-in users' accepted day rates, shown to others as quartiles.

Privacy by construction:

* a contribution holds the kind of work, the basis (day, half day, usage), a region from a
  fixed list, the year and the day rate: never a name, a date, a client or a ``user_id``;
* each contributor is a keyed HMAC of their user id, so they count once (their median) and
  their rows can be deleted when they withdraw or delete their account;
* a figure is shown only when at least :data:`K_ANONYMITY` distinct contributors stand behind
  it, as the 25th/50th/75th percentiles rounded to £5 after a small deterministic noise, so
  two queries that differ by one contributor reveal nothing usable about that contributor.
"""

from __future__ import annotations

import hashlib
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from minimin.ai.models import PricingContribution
from minimin.extensions import db

K_ANONYMITY = 10
ROUND_TO_PENCE = 500
#: The noise is at most this many pence either way, before rounding.
NOISE_PENCE = 250
REGIONS: tuple[str, ...] = (
    "london",
    "south_east",
    "south_west",
    "east",
    "midlands",
    "north_west",
    "north_east",
    "yorkshire",
    "scotland",
    "wales",
    "northern_ireland",
    "uk_other",
)
_REGION_WORDS = {
    "london": ("london",),
    "south_east": ("brighton", "oxford", "kent", "surrey", "reading", "southampton"),
    "south_west": ("bristol", "bath", "exeter", "plymouth", "cornwall"),
    "east": ("cambridge", "norwich", "essex"),
    "midlands": ("birmingham", "nottingham", "leicester", "coventry"),
    "north_west": ("manchester", "liverpool", "lancashire"),
    "north_east": ("newcastle", "sunderland", "durham"),
    "yorkshire": ("leeds", "sheffield", "york", "bradford", "hull"),
    "scotland": ("glasgow", "edinburgh", "aberdeen", "dundee", "scotland"),
    "wales": ("cardiff", "swansea", "wales", "newport"),
    "northern_ireland": ("belfast", "derry"),
}


@dataclass(frozen=True)
class Quartiles:
    p25: int
    p50: int
    p75: int
    contributors: int


def region_of(location: str | None) -> str:
    """A coarse region from a job's location text (the text itself is never stored)."""
    lower = (location or "").lower()
    for region, words in _REGION_WORDS.items():
        if any(word in lower for word in words):
            return region
    return "uk_other"


def _noise(seed: str) -> int:
    digest = hashlib.sha256(seed.encode()).digest()
    return int.from_bytes(digest[:4], "big") % (2 * NOISE_PENCE + 1) - NOISE_PENCE


def _round(pence: float) -> int:
    return int(round(pence / ROUND_TO_PENCE) * ROUND_TO_PENCE)


def quartiles(rates: dict[str, list[int]], seed: str) -> Quartiles | None:
    """Quartiles of one value per contributor (their median), or None under k-anonymity."""
    if len(rates) < K_ANONYMITY:
        return None
    values = sorted(statistics.median(v) for v in rates.values())
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    base = f"{seed}:{len(values)}"
    return Quartiles(
        _round(q1 + _noise(base + ":25")),
        _round(q2 + _noise(base + ":50")),
        _round(q3 + _noise(base + ":75")),
        len(values),
    )


def figure(kind_of_work: str, region: str) -> Quartiles | None:
    rows = db.session.execute(
        sa.select(PricingContribution.contributor, PricingContribution.day_rate_pence).where(
            PricingContribution.kind_of_work == kind_of_work,
            PricingContribution.region == region,
            PricingContribution.basis.in_(("day", "half_day")),
        )
    )
    rates: dict[str, list[int]] = defaultdict(list)
    for contributor, pence in rows:
        rates[contributor].append(int(pence))
    return quartiles(rates, f"{kind_of_work}:{region}")


def contributor_of(user_id: uuid.UUID) -> str:
    from minimin.core.crypto import hmac_id

    return hmac_id(user_id, "ai-pricing")


def delete_contributions(user_id: uuid.UUID) -> int:
    result = db.session.execute(
        sa.delete(PricingContribution).where(
            PricingContribution.contributor == contributor_of(user_id)
        )
    )
    # A DML statement's result is a CursorResult (rowcount), typed as Result.
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


#: Jobs whose fee the user has accepted.
_ACCEPTED = ("confirmed", "completed", "invoiced", "paid")
_BASIS = {"day_rate": ("day", 1), "half_day": ("half_day", 2), "usage": ("usage", 1)}


def contribute(user_id: uuid.UUID) -> int:
    """Replace the user's contributions with their accepted jobs' fees; returns how many."""
    from minimin.jobs.models import FeeLine, Job

    delete_contributions(user_id)
    contributor = contributor_of(user_id)
    jobs = db.session.scalars(
        sa.select(Job).where(Job.user_id == user_id, Job.status.in_(_ACCEPTED))
    )
    count = 0
    for job in jobs:
        if not job.kind_of_work or not job.dates:
            continue
        year = min(d.day for d in job.dates).year
        line: FeeLine
        for line in job.fee_lines:
            if line.kind not in _BASIS:
                continue
            basis, factor = _BASIS[line.kind]
            db.session.add(
                PricingContribution(
                    contributor=contributor,
                    kind_of_work=job.kind_of_work,
                    basis=basis,
                    region=region_of(job.location),
                    year=year,
                    day_rate_pence=line.unit_amount_pence * factor,
                )
            )
            count += 1
    db.session.flush()
    return count
