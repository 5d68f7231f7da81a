"""Procurement and contract rules, bid scoring and OCDS publishing: pure Python, no Django.

- ``rules``: which procurement method a purchase may use (thresholds as configuration, versioned
  by effective date), single-source conditions and the 10% follow-on cap, split detection.
- ``scoring``: comprehensive scoring (财政部令第87号 art. 55) and lowest price, with a derivation.
- ``contracts``: purchase-of-services term (财政部令第102号 art. 24) and contents (art. 23),
  performance deposit, service packages with tiered pricing, milestones and payments,
  amendments, expiry and renewal reminders.
- ``ocds`` and ``ocds_validate``: OCDS 1.1.5 releases, records and packages, validated offline
  against the copies of the official schemas in ``ocds_schema/``.

Amounts are in 万元 (10,000 CNY) as Decimal unless a name says otherwise; shares and weights are
fractions (0.30 = 30%).
"""

from __future__ import annotations


class ProcurementInputError(ValueError):
    """Input that cannot be used: ``field`` names it, ``en``/``zh`` explain (the same shape as
    ``cityops.portfolio.domain.fiscal.FiscalInputError``)."""

    def __init__(self, field: str, en: str, zh: str):
        super().__init__(f"{field}: {en}")
        self.field = field
        self.en = en
        self.zh = zh

    @property
    def message_en(self) -> str:
        return self.en

    @property
    def message_zh(self) -> str:
        return self.zh
