"""Pay-for-performance use cases that write: KPIs, measurements (API push, file upload,
manual entry), period assessment (SEI → payment), finance approval, supplier risk, alerts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cityops.core import services as core_services
from cityops.core.models import Organisation, User
from cityops.core.roles import Role
from cityops.procurement.models import Contract, ContractStatus, Milestone

from .domain import alerts as alert_rules
from .domain import kpi as kpi_rules
from .domain import measurements as measurement_rules
from .domain import payment as payment_rules
from .domain import periods
from .domain import risk as risk_rules
from .domain.errors import PerformanceInputError
from .domain.sei import service_effectiveness_index
from .facts import kpis_of
from .models import (
    Alert,
    Assessment,
    ContractKpi,
    Measurement,
    PaymentStatus,
    PeriodPayment,
    Source,
    SupplierRisk,
)


def _english() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def _error(exc: PerformanceInputError) -> ValidationError:
    return ValidationError({exc.field.split(".")[0].split("[")[0]: exc.en if _english()
                            else exc.zh})


# -- KPIs ---------------------------------------------------------------------------------------


@transaction.atomic
def contract_kpis_default(*, contract: Contract, by: User | None = None) -> list[ContractKpi]:
    """Write the six core indicators (the Nanjing Gulou set) into a contract without KPIs."""
    if contract.kpis.exists():
        return list(contract.kpis.all())
    rows = []
    for k in kpi_rules.default_kpi_set():
        rows.append(ContractKpi.objects.create(
            contract=contract, code=k.code, name_zh=k.name_zh, name_en=k.name_en,
            unit=str(k.unit), direction=str(k.direction), target=k.target, floor=k.floor,
            zero_at=k.zero_at, weight=k.weight, period=str(k.period)))
    return rows


# -- measurements -------------------------------------------------------------------------------


def _may_submit(by: User | None, contract: Contract, source: str) -> None:
    if by is None:
        return
    if by.role == Role.SUPPLIER:
        if contract.supplier_id != by.organisation_id:
            raise PermissionDenied(_("Contract %(code)s is not one of your contracts.")
                                   % {"code": contract.code})
        return
    if by.role == Role.DEPARTMENT_OFFICER and contract.buyer_id == by.organisation_id:
        return
    if by.role == Role.PLATFORM_ADMIN:
        return
    raise PermissionDenied


def _value(raw, field: str = "value") -> float:
    try:
        value = float(str(raw).strip().replace(",", "")) if not isinstance(raw, int | float) \
            else float(raw)
    except (TypeError, ValueError):
        raise ValidationError({field: _("“%(v)s” is not a number.") % {"v": raw}}) from None
    if not math.isfinite(value):
        raise ValidationError({field: _("The value must be a finite number.")})
    return value


@transaction.atomic
def measurement_submit(*, contract: Contract, by: User | None, kpi_code: str, period: str,
                       value, source: str = Source.MANUAL, note: str = "",
                       at: dt.datetime | None = None) -> Measurement:
    """Store one value; flags (late, out of range) are recorded, never a reason to drop it.
    Refused: another supplier's contract, a KPI not in the contract, a period already assessed
    (closed), a value that is not a number."""
    _may_submit(by, contract, source)
    if contract.status == ContractStatus.DRAFT:
        raise ValidationError({"contract": _("The contract is not signed yet.")})
    kpi = contract.kpis.filter(code=kpi_code).first()
    if kpi is None:
        raise ValidationError({"kpi": _("Contract %(code)s has no KPI “%(kpi)s”.") % {
            "code": contract.code, "kpi": kpi_code}})
    value = _value(value)
    try:
        kind = periods.kind_of(period)
    except PerformanceInputError as exc:
        raise _error(exc) from None
    if str(kind) != kpi.period:
        raise ValidationError({"period": _(
            "KPI “%(kpi)s” is measured per %(kind)s: “%(period)s” is not such a period.") % {
            "kpi": kpi_code, "kind": kpi.get_period_display(), "period": period}})
    month = period if kpi.period == "month" else periods.bounds(period)[1].strftime("%Y-%m")
    if Assessment.objects.filter(contract=contract, period=month).exists() or (
            kpi.period != "month" and Assessment.objects.filter(
                contract=contract, period__in=_months_of(period)).exists()):
        raise ValidationError({"period": _(
            "Period %(period)s has been assessed and is closed: values can no longer change.")
            % {"period": period}})
    now = at or timezone.now()
    from .facts import kpi_of

    checked = measurement_rules.check_measurement(kpi_of(kpi), period, value,
                                                  timezone.localtime(now).date())
    flags = [{"flag": str(f.flag), "zh": f.zh, "en": f.en} for f in checked.flags]
    m = Measurement.objects.filter(kpi=kpi, period=period).first()
    if m is None:
        m = Measurement(kpi=kpi, period=period)
    m.value, m.source, m.submitted_by, m.submitted_at = value, source, by, now
    m.flags, m.note = flags, note
    m.save()
    return m


def _months_of(quarter: str) -> list[str]:
    start, end = periods.bounds(quarter)
    return [f"{start.year}-{mo:02d}" for mo in range(start.month, end.month + 1)]


HEADER = ("contract", "kpi", "period", "value")


def measurements_import(*, by: User | None, data: bytes, filename: str,
                        source: str = Source.UPLOAD) -> int:
    """A CSV or Excel file of contract, kpi, period, value rows: all rows or none. Errors name
    the row and the column."""
    rows = _read_rows(data, filename)
    errors: list[str] = []
    saved = 0
    contracts = {}
    with transaction.atomic():
        for n, row in enumerate(rows, start=2):
            try:
                code = (row.get("contract") or "").strip()
                if code not in contracts:
                    contracts[code] = Contract.objects.filter(code=code).first()
                contract = contracts[code]
                if contract is None:
                    raise ValidationError({"contract": _("No contract “%(code)s”.") % {
                        "code": code}})
                with transaction.atomic():
                    measurement_submit(contract=contract, by=by,
                                       kpi_code=(row.get("kpi") or "").strip(),
                                       period=(row.get("period") or "").strip(),
                                       value=row.get("value"), source=source)
                saved += 1
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors.append(_("Row %(row)s, column %(col)s: %(msg)s") % {
                        "row": n, "col": field, "msg": " ".join(messages)})
            except PermissionDenied as exc:
                errors.append(_("Row %(row)s: %(msg)s") % {
                    "row": n, "msg": str(exc) or _("not allowed")})
        if errors:
            raise ValidationError({"file": errors})
    return saved


def _read_rows(data: bytes, filename: str) -> list[dict]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a file that is not xlsx
            raise ValidationError({"file": _("The file is not a readable Excel (.xlsx) file.")}
                                  ) from None
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [str(h or "").strip().lower() for h in next(it, ())]
        rows = [dict(zip(header, ["" if v is None else v for v in r], strict=False))
                for r in it if any(v is not None for v in r)]
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": _("The CSV file is not UTF-8 text.")}) from None
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        rows = list(reader)
    else:
        raise ValidationError({"file": _("Upload a .csv or .xlsx file.")})
    missing = [h for h in HEADER if h not in header]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(cols)s (expected: %(all)s).") % {
            "cols": ", ".join(missing), "all": ", ".join(HEADER)}})
    if not rows:
        raise ValidationError({"file": _("The file has no data rows.")})
    return rows


# -- assessment and payment -------------------------------------------------------------------


def contract_months(contract: Contract) -> int:
    start, end = contract.start_on, contract.end_on
    return max(1, (end.year - start.year) * 12 + end.month - start.month + 1)


def _base_per_month(contract: Contract) -> Decimal:
    return (contract.amount_wan / contract_months(contract)).quantize(Decimal("0.01"))


def _may_assess(by: User | None, contract: Contract) -> None:
    if by is None or by.role == Role.PLATFORM_ADMIN:
        return
    if by.role == Role.DEPARTMENT_OFFICER and by.organisation_id == contract.buyer_id:
        return
    raise PermissionDenied


@transaction.atomic
def period_assess(*, contract: Contract, month: str, by: User | None,
                  at: dt.datetime | None = None, alerts: bool = True) -> Assessment:
    """Assess a month: the SEI from the KPIs' values (missing ones score 0 and are flagged),
    the payment it makes due, and the alerts it raises. Closes the month's values."""
    _may_assess(by, contract)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if Assessment.objects.filter(contract=contract, period=month).exists():
        raise ValidationError({"period": _("%(period)s has already been assessed.") % {
            "period": month}})
    kpis = kpis_of(contract)
    if not kpis:
        raise ValidationError({"kpis": _("The contract has no KPIs.")})
    values = {(m.kpi.code, m.period): m.value
              for m in Measurement.objects.filter(kpi__contract=contract).select_related("kpi")}
    try:
        inputs = measurement_rules.assessment_inputs(kpis, month, values)
        result = service_effectiveness_index(kpis, inputs.values, excused=inputs.excused,
                                             contract_id=contract.code, period=month)
        pay = payment_rules.period_payment(result.sei, _base_per_month(contract))
    except PerformanceInputError as exc:
        raise _error(exc) from None
    now = at or timezone.now()
    a = Assessment.objects.create(contract=contract, period=month, sei=result.sei,
                                  detail=result.to_dict(), assessed_at=now, assessed_by=by)
    PeriodPayment.objects.create(
        assessment=a, contract=contract, period=month, base_wan=pay.base_wan,
        payable_wan=pay.payable_wan, deduction_wan=pay.deduction_wan, bonus_wan=pay.bonus_wan,
        band=pay.band, derivation=[{"code": s.code, "zh": s.zh, "en": s.en,
                                    "amount_wan": str(s.amount_wan) if s.amount_wan is not None
                                    else None} for s in pay.steps])
    if alerts:
        history = list(contract.assessments.order_by("period").values_list("period", "sei"))
        found = alert_rules.kpi_alerts(result) + [
            x for x in [alert_rules.sei_drop_alert(contract.code, history)] if x]
        alerts_raise(found, contract=contract, at=now)
    return a


@transaction.atomic
def payment_approve(*, payment: PeriodPayment, by: User | None,
                    at: dt.datetime | None = None) -> PeriodPayment:
    """Finance approves the computed payment after reading its derivation (audited)."""
    if by is not None and by.role != Role.FINANCE_OFFICER:
        raise PermissionDenied
    p = PeriodPayment.objects.select_for_update().get(pk=payment.pk)
    if p.status != PaymentStatus.COMPUTED:
        from cityops.core.workflow import TransitionRefused

        raise TransitionRefused("approve", p.get_status_display())
    p.status = PaymentStatus.APPROVED
    p.approved_by = by
    p.approved_at = at or timezone.now()
    p.save()
    return p


def renewal_advice(contract: Contract):
    history = list(contract.assessments.order_by("period").values_list("sei", flat=True))
    used = 0
    prev = contract.renewal_of
    while prev is not None:
        used += 1
        prev = prev.renewal_of
    try:
        return payment_rules.renewal_decision(history, contract.amount_wan,
                                              renewals_so_far=used)
    except PerformanceInputError:
        return None


# -- supplier risk -------------------------------------------------------------------------------


def _risk_facts(supplier: Organisation, totals: dict, city_total: Decimal, today: dt.date):
    from cityops.demand.models import Qualification
    from cityops.procurement.models import Challenge, ChallengeStatus

    contracts = Contract.objects.filter(supplier=supplier).exclude(status=ContractStatus.DRAFT)
    seis = list(Assessment.objects.filter(contract__in=contracts).order_by("period")
                .values_list("period", "sei"))
    by_period: dict[str, list[Decimal]] = {}
    for period, sei in seis:
        by_period.setdefault(period, []).append(sei)
    history = tuple(sum(v) / len(v) for _, v in sorted(by_period.items()))
    milestones = Milestone.objects.filter(contract__in=contracts, due_on__lt=today)
    late = sum(1 for m in milestones if m.late)
    expiry = Qualification.objects.filter(profile__supplier=supplier).order_by(
        "expires_on").values_list("expires_on", flat=True).first()
    return risk_rules.SupplierRiskFacts(
        supplier_key=str(supplier.pk), credit_rating=None, sei_history=history,
        milestones_due=milestones.count(), milestones_late=late,
        upheld_challenges=Challenge.objects.filter(
            supplier=supplier, status=ChallengeStatus.UPHELD).count(),
        upheld_complaints=0,
        supplier_contract_amount_wan=totals.get(supplier.pk, Decimal(0)),
        city_contract_amount_wan=city_total,
        days_to_qualification_expiry=(expiry - today).days if expiry else None)


@transaction.atomic
def risk_recompute(*, at: dt.datetime | None = None, progress=None) -> int:
    """The risk index of every supplier with a contract, its deposit ratio and flags."""
    now = at or timezone.now()
    today = timezone.localtime(now).date()
    active = Contract.objects.filter(status=ContractStatus.ACTIVE)
    totals = dict(active.values("supplier_id").annotate(t=Sum("amount_wan"))
                  .values_list("supplier_id", "t"))
    city_total = sum(totals.values(), Decimal(0))
    suppliers = Organisation.objects.filter(
        pk__in=Contract.objects.exclude(status=ContractStatus.DRAFT).values("supplier_id"))
    n = 0
    total = suppliers.count()
    for supplier in suppliers:
        result = risk_rules.supplier_risk(_risk_facts(supplier, totals, city_total, today))
        amount = totals.get(supplier.pk) or Decimal("1")
        req = risk_rules.deposit_requirement(result.index, amount)
        previous = SupplierRisk.objects.filter(supplier=supplier).order_by(
            "-computed_at").first()
        SupplierRisk.objects.create(
            supplier=supplier, computed_at=now, index=result.index, level=str(result.level),
            factors=[{"code": f.code, "name_zh": f.name_zh, "name_en": f.name_en,
                      "score": f.score, "weight": f.weight, "contribution": f.contribution,
                      "basis_zh": f.basis_zh, "basis_en": f.basis_en} for f in result.factors],
            deposit_ratio=req.ratio, insurance_required=req.insurance_required,
            audit_required=req.audit_required)
        series = [(previous.computed_at.date().isoformat(), previous.index, previous.level)] \
            if previous else []
        series.append((today.isoformat(), result.index, str(result.level)))
        found = [x for x in [alert_rules.risk_alert(str(supplier.pk), series)] if x]
        for c in active.filter(supplier=supplier):
            need = (c.amount_wan * req.ratio).quantize(Decimal("0.01"))
            held = c.deposit_wan
            a = alert_rules.deposit_alert(c.code, need, held)
            if a:
                alerts_raise([a], contract=c, at=now)
        alerts_raise(found, supplier=supplier, at=now)
        n += 1
        if progress:
            progress(n, total)
    return n


# -- alerts --------------------------------------------------------------------------------------


def alerts_raise(found, *, contract: Contract | None = None,
                 supplier: Organisation | None = None, at: dt.datetime | None = None) -> int:
    """Store each alert once (by kind, subject, period, detail) and notify its audience."""
    now = at or timezone.now()
    created = 0
    for a in found:
        key = f"{a.kind}:{a.subject_type}:{a.subject_id}:{a.period}:{a.detail}"[:200]
        c = contract
        s = supplier or (c.supplier if c is not None else None)
        row, new = Alert.objects.get_or_create(key=key, defaults={
            "kind": str(a.kind), "severity": str(a.severity), "contract": c, "supplier": s,
            "period": a.period, "message_zh": a.message_zh, "message_en": a.message_en,
            "audience": ",".join(a.audience), "created_at": now})
        if not new:
            continue
        created += 1
        recipients = []
        for role in a.audience:
            if role == Role.SUPPLIER and s is not None:
                recipients += list(core_services.users_of(s.pk, [Role.SUPPLIER]))
            elif role == Role.DEPARTMENT_OFFICER and c is not None:
                recipients += list(core_services.users_of(c.buyer_id,
                                                          [Role.DEPARTMENT_OFFICER]))
            elif role in (Role.PLATFORM_ADMIN, Role.FINANCE_OFFICER):
                recipients += list(core_services.users_with_role(role))
        url = f"/performance/contracts/{c.pk}/" if c is not None else "/performance/risk/"
        core_services.notify(recipients=recipients, kind=f"alert.{a.kind}",
                             severity="critical" if str(a.severity) == "critical" else "warning",
                             title=a.message_zh[:200], body=a.message_en, url=url,
                             key=f"alert:{row.pk}")
    return created

