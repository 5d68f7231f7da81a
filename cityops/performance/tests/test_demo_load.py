"""The demo city's performance data (cityops/demo/performance_load.py) on a small city: only the
contracts' own months, every month assessed once its values are in, most payments approved,
the risk computed every quarter, a decline that shows, and a second load that adds nothing."""

import datetime as dt
from types import SimpleNamespace

import pytest

from cityops.core.models import AuditEntry
from cityops.demo.contracting import DEMO_TODAY
from cityops.demo.performance_load import load_performance
from cityops.performance.domain import periods
from cityops.performance.models import (
    Alert,
    Assessment,
    Measurement,
    PeriodPayment,
    SupplierRisk,
    SupplierStanding,
)

from .support import make_contract


@pytest.fixture
def city(personas):
    """Two suppliers' contracts: one from before the 24-month window, still running; one that
    ended in the window; one that began this month (no month to measure yet)."""
    contracts = {
        "long": make_contract(personas.health, personas.supplier_org, start="2024-06",
                              months=36, amount_wan="360"),
        "ended": make_contract(personas.transport, personas.supplier2_org, start="2025-02",
                               months=12),
        "later": make_contract(personas.health, personas.supplier2_org, start="2026-02",
                               months=12),
        "new": make_contract(personas.transport, personas.supplier_org, start="2026-11",
                             months=12),
    }
    return SimpleNamespace(seed=20261124), contracts


def test_each_contract_gets_its_own_months_assessed_and_paid(personas, city):
    demo, contracts = city
    report = load_performance(demo, {}, as_of=DEMO_TODAY)
    window = periods.months("2024-11", 24)  # the 24 months before November 2026
    spans = {"long": ("2024-11", "2026-10"), "ended": ("2025-02", "2026-01"),
             "later": ("2026-02", "2026-10")}
    for key, (first, last) in spans.items():
        got = sorted(set(Measurement.objects.filter(kpi__contract=contracts[key])
                         .values_list("period", flat=True)))
        assert got[0] == first and got[-1] == last, key
        assert set(got) <= set(window)
    assert not Measurement.objects.filter(kpi__contract=contracts["new"]).exists()
    assert Measurement.objects.filter(kpi__contract=contracts["long"]).count() > 6 * 22
    assert report["contracts"] == 3 and report["measurements"] == Measurement.objects.count()

    # every month is assessed once its values are in and its grace is over; the last may wait
    assessed = Assessment.objects.filter(contract=contracts["ended"])
    assert [a.period for a in assessed.order_by("period")] == periods.months("2025-02", 12)
    assert Assessment.objects.filter(contract=contracts["long"]).count() >= 23
    assert report["assessed"] == Assessment.objects.count()
    for a in Assessment.objects.all():
        assert a.assessed_at.date() > periods.bounds(a.period)[1] + dt.timedelta(days=13)
        assert a.assessed_at.date() <= DEMO_TODAY
    # every month has its payment; the older ones are approved by finance, the newest wait
    payments = PeriodPayment.objects.all()
    assert payments.count() == report["assessed"]
    assert report["approved"] == payments.filter(status="approved").count() > 0.8 * len(payments)
    assert set(payments.filter(status="approved").values_list("approved_by__username",
                                                             flat=True)) == {"fiona"}
    assert not payments.filter(status="computed", period__lt="2026-09").exists()

    # the bulk values: one audit entry per contract, as a bulk import
    assert AuditEntry.objects.filter(action="import",
                                     object_type="performance.measurement").count() == 3
    assert SupplierStanding.objects.count() == 2
    quarters = SupplierRisk.objects.filter(supplier=personas.supplier_org).count()
    assert quarters >= 8  # each quarter in the window, and today


def test_a_declining_supplier_shows_it_in_its_index_payments_and_alerts(personas, city):
    demo, contracts = city
    report = load_performance(demo, {}, as_of=DEMO_TODAY)
    assert personas.supplier_org.name in report["declining"]  # both serve on: both decline
    seis = [a.sei for a in Assessment.objects.filter(contract=contracts["long"])
            .order_by("period")]
    assert sum(seis[:6]) / 6 - sum(seis[-3:]) / 3 >= 20
    cut = PeriodPayment.objects.filter(contract=contracts["long"], period__gte="2026-06")
    assert any(p.payable_wan < p.base_wan for p in cut)
    assert Alert.objects.filter(contract=contracts["long"], kind="kpi_below_floor").exists()
    latest = SupplierRisk.objects.filter(supplier=personas.supplier_org).latest()
    first = SupplierRisk.objects.filter(supplier=personas.supplier_org).earliest()
    assert latest.index > first.index


def test_loading_again_adds_nothing(personas, city):
    demo, _contracts = city
    load_performance(demo, {}, as_of=DEMO_TODAY)
    before = (Measurement.objects.count(), Assessment.objects.count(),
              AuditEntry.objects.count())
    again = load_performance(demo, {}, as_of=DEMO_TODAY)
    assert again["assessed"] == again["measurements"] == 0
    assert (Measurement.objects.count(), Assessment.objects.count(),
            AuditEntry.objects.count()) == before
