"""Pay-for-performance services against the real database: values with their source, sender
and flags; refusals that name the field and write nothing; the all-or-nothing upload; the
assessment, its payment and the audited approval; the supplier risk, the deposit within the
10% cap; alerts raised and notified once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cityops.core.models import AuditEntry, Notification
from cityops.core.workflow import TransitionRefused
from cityops.performance import services
from cityops.performance.domain import periods
from cityops.performance.models import (
    Alert,
    Assessment,
    Measurement,
    PeriodPayment,
    SupplierRisk,
    SupplierStanding,
)
from cityops.procurement.models import ContractStatus

from .support import (
    AT_FLOOR,
    AT_TARGET,
    after_grace,
    assert_chinese,
    assert_english,
    assessed_month,
    at,
    counts,
    csv_bytes,
    make_contract,
    month,
    month_rows,
    on_time,
    submit_all,
    xlsx_bytes,
)

D = Decimal


@pytest.fixture
def contract(personas):
    """120 万元 over 12 months: 10.00 a month."""
    return make_contract(personas.health, personas.supplier_org)


def messages_of(exc: ValidationError, field: str) -> str:
    return " ".join(exc.value.message_dict[field])


# -- contracts carry their KPIs -------------------------------------------------------------------


def test_signing_a_contract_writes_the_six_core_kpis(personas):
    from cityops.procurement import services as procurement

    draft = make_contract(personas.health, personas.supplier_org, status=ContractStatus.DRAFT)
    assert not draft.kpis.exists()
    procurement.contract_sign(contract=draft, by=personas.dept)
    kpis = {k.code: k for k in draft.kpis.all()}
    assert set(kpis) == set(AT_TARGET)
    assert sum(k.weight for k in kpis.values()) == pytest.approx(1.0)
    assert (kpis["availability"].target, kpis["availability"].floor) == (99.9, 99.5)
    assert kpis["incident_response_minutes"].direction == "lower"


# -- measurements ---------------------------------------------------------------------------------


def test_a_pushed_value_keeps_its_source_sender_and_flags(personas, contract):
    ok = services.measurement_submit(contract=contract, by=personas.supplier,
                                     kpi_code="availability", period=month(1), value="99.93",
                                     source="api", at=on_time(month(1)))
    assert (ok.value, ok.source, ok.submitted_by, ok.flags) == (99.93, "api", personas.supplier,
                                                                [])
    # 150% satisfaction, sent a month after its due date: kept as sent, flagged twice
    late = services.measurement_submit(
        contract=contract, by=personas.supplier, kpi_code="citizen_satisfaction",
        period=month(1), value=150, source="api",
        at=at(periods.bounds(month(1))[1] + dt.timedelta(days=40)))
    assert late.value == 150.0
    assert [f["flag"] for f in late.flags] == ["out_of_range", "late"]
    assert "逾期" in late.flags[1]["zh"] and "late" in late.flags[1]["en"]
    half = services.measurement_submit(contract=contract, by=personas.dept,
                                       kpi_code="security_incidents", period=month(1),
                                       value="1.5", source="manual", at=on_time(month(1)))
    assert (half.source, [f["flag"] for f in half.flags]) == ("manual", ["not_whole"])
    entry = AuditEntry.objects.filter(object_type="performance.measurement",
                                      object_id=str(ok.pk)).get()
    assert (entry.action, entry.actor_username) == ("create", "sam")


def test_a_value_sent_again_before_assessment_replaces_the_first(personas, contract):
    services.measurement_submit(contract=contract, by=personas.supplier, kpi_code="availability",
                                period=month(1), value=99.1, source="api", at=on_time(month(1)))
    services.measurement_submit(contract=contract, by=personas.supplier, kpi_code="availability",
                                period=month(1), value=99.8, source="upload",
                                at=on_time(month(1)))
    (m,) = Measurement.objects.filter(kpi__contract=contract)
    assert (m.value, m.source) == (99.8, "upload")


def test_another_suppliers_contract_is_refused_with_its_code(personas, contract):
    before = counts()
    with translation.override("en"), pytest.raises(PermissionDenied) as exc:
        services.measurement_submit(contract=contract, by=personas.supplier2,
                                    kpi_code="availability", period=month(1), value=99.9,
                                    source="api", at=on_time(month(1)))
    assert contract.code in str(exc.value) and "not one of your contracts" in str(exc.value)
    assert counts() == before


@pytest.mark.parametrize("who", ["dept2", "finance", "auditor"])
def test_only_the_supplier_and_the_owner_department_record_values(personas, contract, who):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.measurement_submit(contract=contract, by=getattr(personas, who),
                                    kpi_code="availability", period=month(1), value=99.9,
                                    source="manual", at=on_time(month(1)))
    assert counts() == before


def test_manual_entry_is_the_departments_not_the_suppliers(personas, contract):
    with pytest.raises(PermissionDenied):
        services.measurement_submit(contract=contract, by=personas.supplier,
                                    kpi_code="availability", period=month(1), value=99.9,
                                    source="manual", at=on_time(month(1)))
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("kpi, period, value, field", [
    ("uptime", "M1", "99.9", "kpi"),                       # no such KPI in the contract
    ("availability", "2026/03", "99.9", "period"),         # not a period key
    ("availability", "Q", "99.9", "period"),               # a quarter for a monthly KPI
    ("availability", "M1", "高", "value"),                 # not a number
    ("availability", "M1", "", "value"),                   # empty
    ("availability", "M1", "nan", "value"),                # not finite
    ("availability", "BEFORE", "99.9", "period"),          # before the contract's term
    ("availability", "AFTER", "99.9", "period"),           # after the contract's term
])
def test_refused_values_name_the_field_and_write_nothing(personas, contract, kpi, period,
                                                         value, field):
    period = {"M1": month(1), "Q": periods.quarter_of(month(1)),
              "BEFORE": month(-1), "AFTER": month(12)}.get(period, period)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.measurement_submit(contract=contract, by=personas.supplier, kpi_code=kpi,
                                    period=period, value=value, source="api",
                                    at=at(dt.date(2030, 1, 1)))
    assert list(exc.value.message_dict) == [field]
    assert counts() == before


def test_a_period_that_has_not_begun_is_refused(personas, contract):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.measurement_submit(contract=contract, by=personas.supplier,
                                    kpi_code="availability", period=month(3), value=99.9,
                                    source="api", at=on_time(month(1)))
    assert "not begun" in messages_of(exc, "period")


def test_the_period_key_error_speaks_the_users_language(personas, contract):
    for language, check in (("zh-hans", assert_chinese), ("en", assert_english)):
        with translation.override(language), pytest.raises(ValidationError) as exc:
            services.measurement_submit(contract=contract, by=personas.supplier,
                                        kpi_code="availability", period="2026/03", value=1,
                                        source="api", at=on_time(month(1)))
        check(messages_of(exc, "period"))
        assert "2026/03" in messages_of(exc, "period")


def test_an_assessed_month_is_closed_to_everyone(personas, contract):
    assessed_month(contract, personas.supplier, personas.dept, month(1))
    before = counts()
    for by, source in ((personas.supplier, "api"), (personas.dept, "manual")):
        with translation.override("en"), pytest.raises(ValidationError) as exc:
            services.measurement_submit(contract=contract, by=by, kpi_code="availability",
                                        period=month(1), value=90, source=source,
                                        at=after_grace(month(1)))
        assert "closed" in messages_of(exc, "period")
    assert counts() == before
    assert Measurement.objects.get(kpi__code="availability").value == AT_TARGET["availability"]


# -- upload ---------------------------------------------------------------------------------------


def test_a_csv_upload_stores_every_row_as_an_upload(personas, contract):
    data = csv_bytes(month_rows(contract, month(1), AT_TARGET))
    n = services.measurements_import(by=personas.supplier, data=data, filename="m.csv",
                                     at=on_time(month(1)))
    assert n == 6
    rows = Measurement.objects.filter(kpi__contract=contract, period=month(1))
    assert {m.kpi.code: m.value for m in rows} == AT_TARGET
    assert {(m.source, m.submitted_by_id) for m in rows} == {("upload", personas.supplier.pk)}


def test_an_excel_upload_reads_a_month_excel_turned_into_a_date(personas, contract):
    first = periods.bounds(month(1))[0]
    data = xlsx_bytes([[contract.code, "availability", dt.datetime(first.year, first.month, 1),
                        99.95], [contract.code, "data_quality", month(1), "98.2"]])
    assert services.measurements_import(by=personas.dept, data=data, filename="m.xlsx",
                                        at=on_time(month(1))) == 2
    assert set(Measurement.objects.values_list("period", flat=True)) == {month(1)}


def test_a_malformed_upload_names_each_bad_row_and_column_and_writes_nothing(personas,
                                                                                contract):
    other = make_contract(personas.transport, personas.supplier2_org)
    rows = month_rows(contract, month(1), {"availability": 99.9, "data_quality": "九十八"})
    rows += [[contract.code, "uptime", month(1), 99], [other.code, "availability", month(1), 99],
             [contract.code, "availability", "2026/3", 99], ["", "availability", month(1), 1],
             [contract.code, "citizen_satisfaction", month(1), ""]]
    before = counts()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.measurements_import(by=personas.supplier, data=csv_bytes(rows),
                                     filename="m.csv", at=on_time(month(1)))
    errors = exc.value.message_dict["file"]
    assert [e.split(":")[0] for e in errors] == [
        "Row 3, column value", "Row 4, column kpi", "Row 5, column contract",
        "Row 6, column period", "Row 7, column contract", "Row 8, column value"]
    assert "九十八" in errors[0] and "uptime" in errors[1] and other.code in errors[2]
    assert counts() == before  # row 2 was fine, and is not kept either


def test_a_row_repeating_an_earlier_one_is_an_error(personas, contract):
    rows = [[contract.code, "availability", month(1), 99.9]] * 2
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.measurements_import(by=personas.supplier, data=csv_bytes(rows),
                                     filename="m.csv", at=on_time(month(1)))
    assert exc.value.message_dict["file"] == [
        f"Row 3, column period: Row 2 already gives availability for {month(1)}."]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("filename, data, words", [
    ("m.txt", b"contract,kpi,period,value\n", ".csv or .xlsx"),
    ("m.csv", b"contract,kpi,value\nHT,availability,1\n", "Missing columns: period"),
    ("m.csv", b"contract,kpi,period,value\n", "no data rows"),
    ("m.csv", "contract,kpi,period,value\nHT,可用率,2026-03,1\n".encode("gbk"), "UTF-8"),
    ("m.xlsx", b"PK not really a workbook", "Excel"),
])
def test_a_file_that_cannot_be_read_is_refused_whole(personas, contract, filename, data,
                                                     words):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.measurements_import(by=personas.supplier, data=data, filename=filename)
    assert words in " ".join(exc.value.message_dict["file"])


# -- assessment and payment ----------------------------------------------------------------------


def test_values_at_target_score_100_and_pay_the_full_month(personas, contract):
    a = assessed_month(contract, personas.supplier, personas.dept, month(1))
    assert a.sei == D("100.00")
    assert a.assessed_by == personas.dept
    assert [k["status"] for k in a.detail["kpis"]] == ["measured"] * 6
    assert sum(k["contribution"] for k in a.detail["kpis"]) == pytest.approx(100)
    p = a.payment
    assert (p.base_wan, p.payable_wan, p.deduction_wan, p.band, p.status) == (
        D("10.00"), D("10.00"), D("0.00"), "full", "computed")


def test_values_at_the_floor_score_60_and_pay_60_percent(personas, contract):
    a = assessed_month(contract, personas.supplier, personas.dept, month(1), values=AT_FLOOR)
    p = a.payment
    assert a.sei == D("60.00")
    assert (p.payable_wan, p.deduction_wan, p.band) == (D("6.00"), D("4.00"), "60-70")
    assert [s["code"] for s in p.derivation] == ["sei", "band", "earned", "deduction", "bonus",
                                                 "payable"]
    assert "10.00 万元 × 60% = 6.00 万元" in p.derivation[2]["zh"]


def test_the_bonus_band_pays_for_value_added_items(personas, contract):
    # satisfaction 85 scores 80 (halfway from the floor 80 to the target 90): SEI 96
    values = AT_TARGET | {"citizen_satisfaction": 85.0}
    a = assessed_month(contract, personas.supplier, personas.dept, month(1), values=values,
                       value_added_items=2)
    assert a.sei == D("96.00")
    assert (a.payment.bonus_wan, a.payment.payable_wan, a.payment.value_added_items) == (
        D("0.20"), D("10.20"), 2)


def test_below_the_payment_floor_the_month_is_withheld(personas, contract):
    values = AT_FLOOR | {"availability": 99.0}  # below the floor: the SEI drops under 60
    a = assessed_month(contract, personas.supplier, personas.dept, month(1), values=values)
    assert a.sei < 60
    assert (a.payment.payable_wan, a.payment.band, a.payment.withheld) == (
        D("0.00"), "below_floor", True)


def test_a_missing_value_scores_zero_and_alerts_the_supplier_and_department(personas,
                                                                            contract):
    values = {k: v for k, v in AT_TARGET.items() if k != "security_incidents"}
    a = assessed_month(contract, personas.supplier, personas.dept, month(1), values=values)
    assert a.sei == D("85.00")  # 0.15 of the weight scores 0
    assert a.detail["missing"] == ["security_incidents"]
    assert a.payment.payable_wan == D("9.50")  # 90% + 10% × (85 − 80) ÷ 10 = 95%
    alert = Alert.objects.get(kind="kpi_missing")
    assert (alert.contract, alert.detail, alert.period) == (contract, "security_incidents",
                                                            month(1))
    notified = set(Notification.objects.filter(kind="alert.kpi_missing")
                   .values_list("recipient__username", flat=True))
    assert notified == {"bob", "sam"}


@pytest.mark.parametrize("case", ["this_month", "before_term", "quarter", "twice"])
def test_a_month_that_cannot_be_assessed_is_refused_by_field(personas, contract, case):
    if case == "twice":
        assessed_month(contract, personas.supplier, personas.dept, month(1))
    target = {"this_month": month(6), "before_term": month(-1),
              "quarter": periods.quarter_of(month(1)), "twice": month(1)}[case]
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.period_assess(contract=contract, month=target, by=personas.dept)
    assert list(exc.value.message_dict) == ["month"]
    assert counts() == before


@pytest.mark.parametrize("who", ["supplier", "dept2", "finance"])
def test_only_the_owner_department_assesses(personas, contract, who):
    submit_all(contract, personas.supplier, month(1), AT_TARGET)
    with pytest.raises(PermissionDenied):
        services.period_assess(contract=contract, month=month(1), by=getattr(personas, who),
                               at=after_grace(month(1)))
    assert not Assessment.objects.exists()


def test_finance_approves_a_payment_and_the_audit_trail_records_it(personas, contract):
    a = assessed_month(contract, personas.supplier, personas.dept, month(1), values=AT_FLOOR)
    for who in (personas.dept, personas.supplier, personas.admin):
        with pytest.raises(PermissionDenied):
            services.payment_approve(payment=a.payment, by=who)
    p = services.payment_approve(payment=a.payment, by=personas.finance)
    p.refresh_from_db()
    assert (p.status, p.approved_by, p.payable_wan) == ("approved", personas.finance, D("6.00"))
    entry = AuditEntry.objects.filter(object_type="performance.periodpayment",
                                      object_id=str(p.pk), action="update").get()
    assert entry.actor_username == "fiona"
    assert (entry.before["status"], entry.after["status"]) == ("computed", "approved")
    with pytest.raises(TransitionRefused):
        services.payment_approve(payment=p, by=personas.finance)
    assert AuditEntry.objects.filter(object_type="performance.periodpayment",
                                     action="update").count() == 1


# -- alerts ---------------------------------------------------------------------------------------


def test_an_sei_drop_alerts_once_and_a_recovery_resolves_the_kpi_alert(personas, contract):
    assessed_month(contract, personas.supplier, personas.dept, month(0))
    bad = AT_TARGET | {"availability": 99.0}  # below its floor 99.5: scores 0
    a = assessed_month(contract, personas.supplier, personas.dept, month(1), values=AT_FLOOR)
    a2 = assessed_month(contract, personas.supplier, personas.dept, month(2), values=bad)
    drop = Alert.objects.get(kind="sei_drop", period=month(1))
    assert (drop.severity, drop.resolved_at) == ("critical", a2.assessed_at)  # 100 → 60
    assert f"{a.sei}" in drop.message_zh
    below = Alert.objects.get(kind="kpi_below_floor", period=month(2))
    assert below.detail == "availability" and below.resolved_at is None
    assert set(Notification.objects.filter(key=f"alert:{drop.pk}").values_list(
        "recipient__username", flat=True)) == {"alice", "bob", "sam"}

    # raised again (a job run twice): nothing new, nobody notified twice
    notes = Notification.objects.count()
    from cityops.performance.domain import alerts as alert_rules
    from cityops.performance.domain.sei import service_effectiveness_index
    from cityops.performance.facts import kpis_of

    result = service_effectiveness_index(kpis_of(contract), bad, contract_id=contract.code,
                                         period=month(2))
    assert services.alerts_raise(alert_rules.kpi_alerts(result), contract=contract) == 0
    assert Notification.objects.count() == notes

    assessed_month(contract, personas.supplier, personas.dept, month(3))
    below.refresh_from_db()
    assert below.resolved_at is not None


# -- supplier risk ----------------------------------------------------------------------------


def _expired_qualification(personas):
    from cityops.demand import services as demand

    profile = demand.profile_save(supplier=personas.supplier_org, by=None,
                                  capabilities="政务云运维", tags=["云"], regions_served=[],
                                  capacity_wan=D("500"))
    demand.qualification_add(profile=profile, by=None, kind="cmmi", level=3,
                             certificate_no="CMMI-1", expires_on=dt.date(2020, 1, 1))


def test_a_failing_supplier_pays_a_deposit_raised_to_the_10_percent_cap(personas, contract):
    """Credit D (25 points), 10 upheld complaints (10), SEIs 100, 60, 0, 0 (level 20, trend
    10), the city's only contract in force (concentration 10), an expired qualification (10):
    index 85, the top tier: 10% of 120 = 12.00, never more."""
    services.supplier_standing_set(supplier=personas.supplier_org, by=personas.admin,
                                   credit_rating="d", upheld_complaints=10)
    _expired_qualification(personas)
    assessed_month(contract, personas.supplier, personas.dept, month(0))
    services.risk_recompute(at=after_grace(month(0)) + dt.timedelta(days=1))
    first = SupplierRisk.objects.get(supplier=personas.supplier_org)
    zero = {k: 0 for k in AT_TARGET} | {"availability": 90.0, "citizen_satisfaction": 0.0,
                                       "data_quality": 80.0, "incident_response_minutes": 600,
                                       "incident_resolution_hours": 99, "security_incidents": 9}
    assessed_month(contract, personas.supplier, personas.dept, month(1), values=AT_FLOOR)
    assessed_month(contract, personas.supplier, personas.dept, month(2), values=zero)
    assessed_month(contract, personas.supplier, personas.dept, month(3), values=zero)
    services.risk_recompute(at=after_grace(month(3)) + dt.timedelta(days=1))
    risk = SupplierRisk.objects.filter(supplier=personas.supplier_org).latest()
    points = {f["code"]: f["contribution"] for f in risk.factors}
    assert points == {"credit": 25.0, "sei_level": 20.0, "sei_trend": 10.0,
                      "late_deliveries": 0.0, "challenges": 10.0, "concentration": 10.0,
                      "qualification": 10.0}
    assert (risk.index, risk.level) == (D("85.0"), "critical")
    assert risk.deposit_ratio == D("0.10")  # the legal cap, and no tier may ask for more
    assert risk.insurance_required and risk.audit_required
    assert risk.index > first.index
    # at 55 the first computation asked 6% (7.20); now the cap: the new amount replaces it
    earlier, deposit = Alert.objects.filter(kind="deposit_to_raise", contract=contract
                                            ).order_by("created_at")
    assert "7.20" in earlier.message_zh and earlier.resolved_at is not None
    assert "12.00" in deposit.message_zh and "6.00" in deposit.message_zh  # held: 5%
    assert deposit.resolved_at is None
    rising = Alert.objects.get(kind="risk_rising", supplier=personas.supplier_org)
    assert personas.supplier_org.name in rising.message_zh
    assert set(Notification.objects.filter(key=f"alert:{rising.pk}").values_list(
        "recipient__username", flat=True)) == {"alice", "bob", "fiona"}
    # the department it serves sees the supplier's alert; another department does not
    assert rising in Alert.objects.visible_to(personas.dept)
    assert rising not in Alert.objects.visible_to(personas.dept2)
    assert Alert.objects.filter(kind="qualification_expiring").count() == 1

    from cityops.performance.selectors import deposit_requirement_of

    req = deposit_requirement_of(contract)
    assert req.amount_wan == D("12.00") == contract.amount_wan * D("0.10")


def test_a_sound_supplier_keeps_the_lowest_deposit_and_raises_no_alert(personas, contract):
    services.supplier_standing_set(supplier=personas.supplier_org, by=None, credit_rating="A")
    make_contract(personas.transport, personas.supplier2_org, amount_wan="2000")
    for n in range(3):
        assessed_month(contract, personas.supplier, personas.dept, month(n))
    services.risk_recompute(at=after_grace(month(2)) + dt.timedelta(days=1))
    risk = SupplierRisk.objects.get(supplier=personas.supplier_org)
    assert risk.index < 30 and risk.deposit_ratio == D("0.02")
    assert not Alert.objects.filter(kind__in=["deposit_to_raise", "risk_rising"]).exists()


@pytest.mark.parametrize("who, rating, complaints, error", [
    ("admin", "E", 0, "credit_rating"),
    ("admin", "A", -1, "upheld_complaints"),
    ("dept", "A", 0, PermissionDenied),
])
def test_a_standing_is_set_by_the_data_bureau_with_a_known_rating(personas, who, rating,
                                                                  complaints, error):
    expected = ValidationError if isinstance(error, str) else error
    with pytest.raises(expected) as exc:
        services.supplier_standing_set(supplier=personas.supplier_org, by=getattr(personas, who),
                                       credit_rating=rating, upheld_complaints=complaints)
    if isinstance(error, str):
        assert list(exc.value.message_dict) == [error]
    assert not SupplierStanding.objects.exists()


def test_payments_and_assessments_of_a_month_stay_together(personas, contract):
    a = assessed_month(contract, personas.supplier, personas.dept, month(1))
    assert PeriodPayment.objects.get(assessment=a).period == a.period == month(1)


def test_the_risk_job_recomputes_every_supplier(personas, contract,
                                                django_capture_on_commit_callbacks):
    from cityops.core import jobs

    with pytest.raises(PermissionDenied):
        jobs.job_start(kind="performance.risk", by=personas.finance)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(kind="performance.risk", by=personas.admin)
    job.refresh_from_db()
    assert (job.status, job.result) == ("succeeded", {"suppliers": 1})
    assert SupplierRisk.objects.get().supplier == personas.supplier_org
