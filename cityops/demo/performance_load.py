"""The demo city's pay for performance: up to 24 months of KPI measurements for every signed
contract, each month assessed (SEI and the payment it makes due), most payments approved by
finance, the supplier risk index computed every quarter, and the alerts all this raises.

The values come from ``cityops.performance.demo.generate_performance`` (pure, seeded). The
window is the 24 months before ``as_of``'s month; a contract is measured from the later of its
first month and the window's first, to the earlier of its last month and the window's last
(the demo's contracts run one year, so none fills the window). Every series is generated over
the whole window and cut to the contract's months, so a declining supplier declines over the
last 6–9 months of the window on every contract it still runs.

Chronology, in the past (timestamps ``at=``): each value is submitted on the day the generator
says; the owner department assesses a month the day after its grace period ends, or the day
after its last late value arrives; finance approves 2–12 days later (the last fortnight's
payments still wait in the queue); the risk index is computed on the 25th of the first month
of each quarter and on ``as_of``. Values are stored in bulk with one audit entry per contract
(as a bulk import), assessments, approvals and risk through the services (audited row by row).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import transaction

from cityops.core import audit
from cityops.core.models import Organisation, User
from cityops.core.roles import Role
from cityops.procurement.models import Contract, ContractStatus

from .contracting import DEMO_TODAY, TZ
from .generator import DemoCity, rng_for

WINDOW_MONTHS = 24
DECLINING = 3
NOTIFY_DAYS = 45  # alerts older than this are stored but not sent: the inbox shows recent ones
APPROVE_AFTER = (2, 12)  # days from assessment to finance's approval
QUEUE_DAYS = 7  # payments assessed within the last week (plus approval delay) still wait


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def _first_user(role: str, organisation_id: int | None) -> User | None:
    return (User.objects.filter(role=role, organisation_id=organisation_id, is_active=True)
            .order_by("username").first())


@transaction.atomic
def load_performance(city: DemoCity, orgs: dict[str, Organisation],
                     as_of: dt.date = DEMO_TODAY) -> dict:
    """Measurements, assessments, payments, risk and alerts for every signed contract; skipped
    when assessments exist (idempotent). Returns the counts the loader reports."""
    from cityops.performance import services
    from cityops.performance.demo import DemoContract, generate_performance
    from cityops.performance.domain import measurements as measurement_rules
    from cityops.performance.domain import periods
    from cityops.performance.facts import kpi_of
    from cityops.performance.models import Assessment, Measurement, PeriodPayment

    if Assessment.objects.exists():
        return {"contracts": 0, "measurements": 0, "assessed": 0, "approved": 0,
                "withheld": 0, "declining": []}
    last_month = periods.add_months(periods.period_of(as_of, "month"), -1)
    window = periods.months(periods.add_months(last_month, 1 - WINDOW_MONTHS), WINDOW_MONTHS)
    contracts = list(Contract.objects.exclude(status=ContractStatus.DRAFT)
                     .select_related("supplier", "buyer").order_by("code"))
    spans: dict[str, tuple[str, str]] = {}
    for c in contracts:
        first = max(services.contract_first_month(c), window[0])
        last = min(services.contract_last_month(c), last_month)
        if first <= last:
            spans[c.code] = (first, last)
    measured = [c for c in contracts if c.code in spans]

    # The suppliers in decline: among those still serving in the window's last quarter with
    # at least six measured months, so that the decline shows.
    recent = periods.add_months(last_month, -2)
    eligible = sorted({str(c.supplier_id) for c in measured
                       if spans[c.code][1] >= recent
                       and window.index(spans[c.code][1]) - window.index(spans[c.code][0]) >= 5})
    rng = rng_for(city.seed, "performance-declining")
    declining = sorted(rng.sample(eligible, min(DECLINING, len(eligible))))
    perf = generate_performance(
        [DemoContract(c.code, str(c.supplier_id), c.operation_object or "system", window[0],
                      c.amount_wan) for c in measured],
        seed=city.seed, months=WINDOW_MONTHS, declining=declining)

    for facts in perf.suppliers:
        supplier = Organisation.objects.get(pk=int(facts.supplier_key))
        services.supplier_standing_set(
            supplier=supplier, by=None, credit_rating=facts.credit_rating,
            upheld_complaints=facts.upheld_complaints, at=_at(as_of - dt.timedelta(days=400), 9))

    finance = User.objects.filter(role=Role.FINANCE_OFFICER, is_active=True).order_by(
        "username").first()
    events: list[tuple[dt.datetime, int, str, object]] = []
    stored = 0
    for c in measured:
        first, last = spans[c.code]
        cp = perf.contract(c.code)
        kpis = {k.code: k for k in services.contract_kpis_default(contract=c)}
        supplier_user = _first_user(Role.SUPPLIER, c.supplier_id)
        officer = _first_user(Role.DEPARTMENT_OFFICER, c.buyer_id)
        rows, pending, latest = [], set(), defaultdict(lambda: dt.date.min)
        for m in perf.measurements_of(c.code):
            kpi = kpis.get(m.kpi_code)
            month = m.period if kpi is None or kpi.period == "month" else \
                periods.period_of(periods.bounds(m.period)[1], "month")
            if kpi is None or not first <= month <= last:
                continue  # outside the contract's months: not applicable
            if m.submitted_on > as_of:
                pending.add(month)  # not arrived yet: the month waits for it
                continue
            checked = measurement_rules.check_measurement(kpi_of(kpi), m.period, m.value,
                                                          m.submitted_on)
            by = officer if m.source == "manual" else supplier_user
            rows.append(Measurement(
                kpi=kpi, period=m.period, value=m.value, source=m.source, submitted_by=by,
                submitted_at=_at(m.submitted_on, 9 + len(rows) % 8),
                flags=[f.to_dict() for f in checked.flags]))
            latest[month] = max(latest[month], m.submitted_on)
        Measurement.objects.bulk_create(rows)
        stored += len(rows)
        audit.record(action="import", object_type="performance.measurement",
                     object_id=c.code, object_repr=f"{c.code}: {len(rows)}",
                     after={"contract": c.code, "values": len(rows), "months": [first, last],
                            "sources": dict(Counter(r.source for r in rows))})
        items = dict(zip(cp.months, cp.value_added_items, strict=True))
        for month in periods.months(first, window.index(last) - window.index(first) + 1):
            if month in pending:
                continue
            grace_over = periods.due_date(month, measurement_rules.DEFAULT_DUE_DAYS) + \
                dt.timedelta(days=measurement_rules.DEFAULT_GRACE_DAYS + 1)
            day = max(grace_over, latest[month] + dt.timedelta(days=1))
            if day > as_of:
                continue
            events.append((_at(day, 14), 1, "assess", (c, month, items[month], officer)))
            approve_on = day + dt.timedelta(days=rng.randint(*APPROVE_AFTER))
            if finance is not None and approve_on <= as_of - dt.timedelta(days=QUEUE_DAYS):
                events.append((_at(approve_on, 16), 2, "approve", (c, month)))

    quarter = periods.bounds(periods.quarter_of(window[0]))[0]
    while quarter <= as_of:
        day = quarter.replace(day=25)
        if window[0] <= periods.period_of(day, "month") and day < as_of:
            events.append((_at(day, 20), 0, "risk", None))
        quarter = (quarter + dt.timedelta(days=95)).replace(day=1)
    events.append((_at(as_of, 8), 3, "risk", None))

    notify_from = _at(as_of - dt.timedelta(days=NOTIFY_DAYS), 0)
    assessed = approved = 0
    for at, _order, kind, payload in sorted(events, key=lambda e: (e[0], e[1])):
        if kind == "assess":
            c, month, n_items, officer = payload
            services.period_assess(contract=c, month=month, by=officer, at=at,
                                   value_added_items=n_items, notify=at >= notify_from)
            assessed += 1
        elif kind == "approve":
            c, month = payload
            payment = PeriodPayment.objects.get(contract=c, period=month)
            services.payment_approve(payment=payment, by=finance, at=at)
            approved += 1
        else:
            services.risk_recompute(at=at, notify=at >= notify_from)
    names = dict(Organisation.objects.filter(pk__in=[int(k) for k in declining])
                 .values_list("pk", "name"))
    return {
        "contracts": len(measured), "measurements": stored, "assessed": assessed,
        "approved": approved,
        "withheld": PeriodPayment.objects.filter(payable_wan=Decimal(0)).count(),
        "declining": [names[int(k)] for k in declining],
    }
