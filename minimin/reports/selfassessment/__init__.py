"""Self Assessment estimate beyond trading income: pure rules (no Flask, no database)."""

from minimin.reports.selfassessment.compute import (
    OtherIncome,
    SAInput,
    SelfAssessment,
    self_assessment,
)

__all__ = ["OtherIncome", "SAInput", "SelfAssessment", "self_assessment"]
