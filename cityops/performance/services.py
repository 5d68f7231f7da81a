"""Pay-for-performance use cases that write: KPIs, measurements (API push, file upload,
manual entry), period assessment (SEI → payment), finance approval, supplier risk, alerts.

Errors: ``ValidationError`` naming the field (``month``, ``period``, ``value``, ``file``, …),
``PermissionDenied`` with a message saying whose contract it is, ``TransitionRefused`` for an
action the state does not allow. Messages come from gettext, or from the engines'
``PerformanceInputError`` in the user's language.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core import audit
from cityops.core import services as core_services
from cityops.core.lang import english
from cityops.core.models import Organisation, User
from cityops.core.roles import Role
from cityops.core.workflow import TransitionRefused
from cityops.procurement.models import Contract, ContractStatus, Milestone

from .domain import alerts as alert_rules
from .domain import kpi as kpi_rules
from .domain import measurements as measurement_rules
from .domain import payment as payment_rules
from .domain import periods
from .domain import risk as risk_rules
from .domain.errors import PerformanceInputError
from .domain.sei import service_effectiveness_index
from .facts import kpi_of, kpis_of
from .models import (
    Alert,
    Assessment,
    ContractKpi,
    CreditRating,
    Measurement,
    PaymentStatus,
    PeriodPayment,
    Source,
    SupplierRisk,
    SupplierStanding,
)


def _message(exc: PerformanceInputError) -> str:
    return exc.en if english() else exc.zh


def _error(exc: PerformanceInputError, field: str | None = None) -> ValidationError:
    """The engine's error as a form/API error on ``field`` (default: the engine's own field,
    without its index: ``values.availability`` → ``values``)."""
    name = field or exc.field.split(".")[0].split("[")[0]
    return ValidationError({name: _message(exc)})


def _acting(by: User | None):
    # With no explicit actor, keep the one the caller set (request, job, demo loader).
    return audit.acting_as(by) if by is not None else contextlib.nullcontext()


def _today(at: dt.datetime | None) -> dt.date:
    return timezone.localtime(at or timezone.now()).date()


# -- KPIs ---------------------------------------------------------------------------------------


@transaction.atomic
def contract_kpis_default(*, contract: Contract, by: User | None = None) -> list[ContractKpi]:
    """Write the six core indicators (the Nanjing Gulou set) into a contract without KPIs."""
    if contract.kpis.exists():
        return list(contract.kpis.all())
    rows = []
    with _acting(by):
        for k in kpi_rules.default_kpi_set():
            rows.append(ContractKpi.objects.create(
                contract=contract, code=k.code, name_zh=k.name_zh, name_en=k.name_en,
                unit=str(k.unit), direction=str(k.direction), target=k.target, floor=k.floor,
                zero_at=k.zero_at, weight=k.weight, period=str(k.period)))
    return rows


# -- the contract's months ------------------------------------------------------------------------


def contract_first_month(contract: Contract) -> str:
    return periods.period_of(contract.start_on, periods.PeriodKind.MONTH)


def contract_last_month(contract: Contract) -> str:
    return periods.period_of(contract.end_on, periods.PeriodKind.MONTH)


def contract_months(contract: Contract) -> int:
    """Calendar months the term touches: each is assessed once and paid its share."""
    start, end = contract.start_on, contract.end_on
    return max(1, (end.year - start.year) * 12 + end.month - start.month + 1)


def base_per_month(contract: Contract) -> Decimal:
    """The contracted (base) payment of one month: the amount spread over the term's months."""
    return (contract.amount_wan / contract_months(contract)).quantize(Decimal("0.01"))


# -- measurements -------------------------------------------------------------------------------


def _may_submit(by: User | None, contract: Contract, source: str) -> None:
    if by is None:
        return
    if by.role == Role.SUPPLIER:
        if contract.supplier_id != by.organisation_id:
            raise PermissionDenied(_(
                "Contract %(code)s is not one of your contracts: a supplier sends values only "
                "for its own contracts.") % {"code": contract.code})
        if source == Source.MANUAL:
            raise PermissionDenied(_(
                "Manual entry is for the owner department; send your values with your API "
                "token or a file upload."))
        return
    if by.role == Role.DEPARTMENT_OFFICER and contract.buyer_id == by.organisation_id:
        return
    if by.role == Role.PLATFORM_ADMIN:
        return
    raise PermissionDenied(_(
        "Only the supplier of contract %(code)s and its owner department may record its "
        "values.") % {"code": contract.code})


def _value(raw, field: str = "value") -> float:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValidationError({field: _("The value is empty.")})
    if isinstance(raw, bool):
        raise ValidationError({field: _("“%(v)s” is not a number.") % {"v": raw}})
    try:
        value = float(raw) if isinstance(raw, int | float | Decimal) else float(
            str(raw).strip().replace(",", ""))
    except (TypeError, ValueError):
        raise ValidationError({field: _("“%(v)s” is not a number.") % {"v": raw}}) from None
    if not math.isfinite(value):
        raise ValidationError({field: _("The value must be a finite number.")})
    return value


def _closing_month(kpi: ContractKpi, period: str) -> str:
    """The month whose assessment reads (and closes) ``period`` of this KPI."""
    if kpi.period == "month":
        return period
    return periods.period_of(periods.bounds(period)[1], periods.PeriodKind.MONTH)


@transaction.atomic
def measurement_submit(*, contract: Contract, by: User | None, kpi_code: str, period: str,
                       value, source: str = Source.MANUAL, note: str = "",
                       at: dt.datetime | None = None) -> Measurement:
    """Store one value with its source and sender; flags (late, out of range, not whole) are
    recorded, never a reason to drop it. Refused: another supplier's contract, a KPI not in the
    contract, a period outside the term or not begun, a period already assessed (closed), a
    value that is not a number."""
    with _acting(by):
        _may_submit(by, contract, source)
        if contract.status == ContractStatus.DRAFT:
            raise ValidationError({"contract": _("Contract %(code)s is not signed yet.") % {
                "code": contract.code}})
        kpi = contract.kpis.filter(code=kpi_code).first()
        if kpi is None:
            raise ValidationError({"kpi": _(
                "Contract %(code)s has no KPI “%(kpi)s”; its KPIs are: %(codes)s.") % {
                "code": contract.code, "kpi": kpi_code,
                "codes": ", ".join(contract.kpis.values_list("code", flat=True))}})
        number = _value(value)
        try:
            kind = periods.kind_of(period)
        except PerformanceInputError as exc:
            raise _error(exc, "period") from None
        if str(kind) != kpi.period:
            raise ValidationError({"period": _(
                "KPI “%(kpi)s” is measured per %(kind)s: “%(period)s” is not such a period.") % {
                "kpi": kpi_code, "kind": kpi.get_period_display(), "period": period}})
        first, last = periods.bounds(period)
        now = at or timezone.now()
        if last < contract.start_on or first > contract.end_on:
            raise ValidationError({"period": _(
                "%(period)s is outside the term of contract %(code)s (%(start)s to %(end)s).")
                % {"period": period, "code": contract.code, "start": contract.start_on,
                   "end": contract.end_on}})
        if first > _today(now):
            raise ValidationError({"period": _("%(period)s has not begun yet.") % {
                "period": period}})
        if Assessment.objects.filter(contract=contract,
                                     period=_closing_month(kpi, period)).exists():
            raise ValidationError({"period": _(
                "%(period)s has been assessed and is closed: its values can no longer change.")
                % {"period": period}})
        checked = measurement_rules.check_measurement(kpi_of(kpi), period, number, _today(now))
        m = Measurement.objects.filter(kpi=kpi, period=period).first() or Measurement(
            kpi=kpi, period=period)
        m.value, m.source, m.submitted_by, m.submitted_at = number, source, by, now
        m.flags = [f.to_dict() for f in checked.flags]
        m.note = note[:300]
        m.save()
    return m


HEADER = ("contract", "kpi", "period", "value")
HEADER_ALIASES = {"合同": "contract", "合同编号": "contract", "指标": "kpi", "指标编码": "kpi",
                  "kpi_code": "kpi", "期间": "period", "月份": "period", "数值": "value",
                  "备注": "note"}
MAX_ROWS = 20_000
MAX_ERRORS = 50  # the first ones are enough to correct a file; the count says how many more


def measurements_import(*, by: User | None, data: bytes, filename: str,
                        source: str = Source.UPLOAD, at: dt.datetime | None = None) -> int:
    """A CSV or Excel file of ``contract, kpi, period, value`` rows (``note`` optional): every
    row is stored, or none is. Each error names its row (as the spreadsheet numbers it, the
    header being row 1) and its column."""
    rows = _read_rows(data, filename)
    errors: list[str] = []
    saved = 0
    contracts: dict[str, Contract | None] = {}
    visible = Contract.objects.visible_to(by) if by is not None else Contract.objects.all()
    seen: dict[tuple, int] = {}
    with transaction.atomic(), _acting(by):
        for n, row in enumerate(rows, start=2):
            try:
                code = _cell(row.get("contract"))
                if not code:
                    raise ValidationError({"contract": _("The contract code is empty.")})
                if code not in contracts:
                    contracts[code] = visible.filter(code=code).first()
                contract = contracts[code]
                if contract is None:
                    raise ValidationError({"contract": _(
                        "“%(code)s” is not a contract you may report on.") % {"code": code}})
                kpi, period = _cell(row.get("kpi")), _period_cell(row.get("period"))
                key = (code, kpi, period)
                if key in seen:
                    raise ValidationError({"period": _(
                        "Row %(row)s already gives %(kpi)s for %(period)s.") % {
                        "row": seen[key], "kpi": kpi, "period": period}})
                seen[key] = n
                with transaction.atomic():
                    measurement_submit(contract=contract, by=by, kpi_code=kpi, period=period,
                                       value=row.get("value"), source=source,
                                       note=_cell(row.get("note")), at=at)
                saved += 1
            except ValidationError as exc:
                details = exc.message_dict if hasattr(exc, "error_dict") else {
                    "": exc.messages}
                for field, messages in details.items():
                    errors.append(_("Row %(row)s, column %(col)s: %(msg)s") % {
                        "row": n, "col": field or "-", "msg": " ".join(messages)})
            except PermissionDenied as exc:
                errors.append(_("Row %(row)s, column %(col)s: %(msg)s") % {
                    "row": n, "col": "contract", "msg": str(exc) or _("not allowed")})
        if errors:
            shown = errors[:MAX_ERRORS]
            if len(errors) > MAX_ERRORS:
                shown.append(_("… and %(n)s more errors.") % {"n": len(errors) - MAX_ERRORS})
            # Raised inside the atomic block: every row stored so far is rolled back.
            raise ValidationError({"file": shown})
    return saved


def _cell(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def _period_cell(raw) -> str:
    # Excel turns "2026-03" typed in a cell into a date: read it back as the month.
    if isinstance(raw, dt.datetime | dt.date):
        return f"{raw.year:04d}-{raw.month:02d}"
    return _cell(raw)


def _read_rows(data: bytes, filename: str) -> list[dict]:
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            ws = wb.worksheets[0]
            it = ws.iter_rows(values_only=True)
            header = [_header(h) for h in next(it, ())]
            rows = [dict(zip(header, r, strict=False)) for r in it
                    if any(v not in (None, "") for v in r)]
        except Exception:  # openpyxl raises many kinds for a file that is not xlsx
            raise ValidationError({"file": _(
                "The file is not a readable Excel (.xlsx) file.")}) from None
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": _("The CSV file is not UTF-8 text.")}) from None
        try:
            reader = csv.DictReader(io.StringIO(text))
            header = [_header(h) for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            rows = [r for r in reader if any((v or "").strip() for v in r.values()
                                              if isinstance(v, str))]
        except csv.Error as exc:
            raise ValidationError({"file": _("The CSV file cannot be read: %(error)s") % {
                "error": exc}}) from None
    else:
        raise ValidationError({"file": _("Upload a .csv or .xlsx file.")})
    missing = [h for h in HEADER if h not in header]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(cols)s (expected: %(all)s).") % {
            "cols": ", ".join(missing), "all": ", ".join(HEADER)}})
    if not rows:
        raise ValidationError({"file": _("The file has no data rows.")})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": _("The file has %(n)s rows; at most %(max)s at a time.")
                               % {"n": len(rows), "max": MAX_ROWS}})
    return rows


def _header(raw) -> str:
    h = str(raw or "").strip().lower()
    return HEADER_ALIASES.get(h, h)


# -- assessment and payment -------------------------------------------------------------------


def _may_assess(by: User | None, contract: Contract) -> None:
    if by is None or by.role == Role.PLATFORM_ADMIN:
        return
    if by.role == Role.DEPARTMENT_OFFICER and by.organisation_id == contract.buyer_id:
        return
    raise PermissionDenied(_("Only the owner department assesses contract %(code)s.") % {
        "code": contract.code})


def _check_month(contract: Contract, month: str, today: dt.date) -> None:
    try:
        kind = periods.kind_of(month)
    except PerformanceInputError as exc:
        raise _error(exc, "month") from None
    if kind != periods.PeriodKind.MONTH:
        raise ValidationError({"month": _("The SEI is assessed per month: write 2026-03.")})
    if not contract_first_month(contract) <= month <= contract_last_month(contract):
        raise ValidationError({"month": _(
            "%(month)s is outside the term of contract %(code)s (%(start)s to %(end)s).") % {
            "month": month, "code": contract.code, "start": contract.start_on,
            "end": contract.end_on}})
    if periods.bounds(month)[1] >= today:
        raise ValidationError({"month": _(
            "%(month)s is not over yet: a month is assessed after its last day.") % {
            "month": month}})


@transaction.atomic
def period_assess(*, contract: Contract, month: str, by: User | None,
                  at: dt.datetime | None = None, value_added_items: int = 0,
                  notify: bool = True) -> Assessment:
    """Assess a month: the SEI from the KPIs' values (a missing value scores 0 and raises an
    alert), the payment it makes due with its derivation, and the alerts it raises. Closes the
    month: its values can no longer change."""
    with _acting(by):
        _may_assess(by, contract)
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.status == ContractStatus.DRAFT:
            raise ValidationError({"contract": _("Contract %(code)s is not signed yet.") % {
                "code": contract.code}})
        now = at or timezone.now()
        _check_month(contract, month, _today(now))
        if Assessment.objects.filter(contract=contract, period=month).exists():
            raise ValidationError({"month": _("%(month)s has already been assessed.") % {
                "month": month}})
        kpis = kpis_of(contract)
        if not kpis:
            raise ValidationError({"kpis": _("Contract %(code)s has no KPIs.") % {
                "code": contract.code}})
        wanted = [month, periods.quarter_of(month)]
        values = {(code, period): value for code, period, value in Measurement.objects.filter(
            kpi__contract=contract, period__in=wanted).values_list("kpi__code", "period",
                                                                    "value")}
        try:
            inputs = measurement_rules.assessment_inputs(kpis, month, values)
            result = service_effectiveness_index(kpis, inputs.values, excused=inputs.excused,
                                                 contract_id=contract.code, period=month)
            pay = payment_rules.period_payment(result.sei, base_per_month(contract),
                                               value_added_items=value_added_items)
        except PerformanceInputError as exc:
            raise _error(exc) from None
        a = Assessment.objects.create(contract=contract, period=month, sei=result.sei,
                                      detail=result.to_dict(), assessed_at=now, assessed_by=by)
        PeriodPayment.objects.create(
            assessment=a, contract=contract, period=month, base_wan=pay.base_wan,
            payable_wan=pay.payable_wan, deduction_wan=pay.deduction_wan,
            bonus_wan=pay.bonus_wan, value_added_items=value_added_items, band=pay.band,
            derivation=[s.to_dict() for s in pay.steps])
        history = list(Assessment.objects.filter(contract=contract, period__lte=month)
                       .order_by("period").values_list("period", "sei"))
        found = alert_rules.kpi_alerts(result)
        drop = alert_rules.sei_drop_alert(contract.code, history)
        if drop:
            found.append(drop)
        alerts_raise(found, contract=contract, at=now, notify=notify)
        _resolve_contract_alerts(contract, result, drop is not None, now)
    return a


def _resolve_contract_alerts(contract: Contract, result, dropped: bool,
                             now: dt.datetime) -> int:
    """A KPI back at or above its floor closes its earlier alerts; an assessed month with no
    drop closes the earlier SEI-drop alerts."""
    healthy = [k.code for k in result.kpis if k.status == "measured" and not k.below_floor]
    q = Q(kind__in=[alert_rules.AlertKind.KPI_BELOW_FLOOR, alert_rules.AlertKind.KPI_MISSING],
          detail__in=healthy)
    if not dropped:
        q |= Q(kind=alert_rules.AlertKind.SEI_DROP)
    return Alert.objects.filter(q, contract=contract, resolved_at__isnull=True,
                                period__lt=result.period).update(resolved_at=now)


@transaction.atomic
def payment_approve(*, payment: PeriodPayment, by: User | None,
                    at: dt.datetime | None = None) -> PeriodPayment:
    """Finance approves the computed payment after reading its derivation; the approval is in
    the audit trail (who, when, computed → approved)."""
    if by is not None and by.role != Role.FINANCE_OFFICER:
        raise PermissionDenied(_("Only a finance officer approves performance payments."))
    with _acting(by):
        p = PeriodPayment.objects.select_for_update().get(pk=payment.pk)
        if p.status != PaymentStatus.COMPUTED:
            raise TransitionRefused("approve", p.get_status_display(), _(
                "The payment of %(code)s for %(period)s is already approved.") % {
                "code": p.contract.code, "period": p.period})
        p.status = PaymentStatus.APPROVED
        p.approved_by = by
        p.approved_at = at or timezone.now()
        p.save()
    return p


# -- supplier risk -------------------------------------------------------------------------------


@transaction.atomic
def supplier_standing_set(*, supplier: Organisation, by: User | None, credit_rating: str = "",
                          upheld_complaints: int = 0,
                          at: dt.datetime | None = None) -> SupplierStanding:
    """Record a supplier's credit rating (A–D, blank: unknown) and its upheld complaints, which
    the risk index reads (the data bureau keeps them)."""
    if by is not None and by.role != Role.PLATFORM_ADMIN:
        raise PermissionDenied(_("Only the data bureau records a supplier's standing."))
    if supplier.kind != "supplier":
        raise ValidationError({"supplier": _("%(name)s is not a supplier.") % {
            "name": supplier.name}})
    rating = (credit_rating or "").strip().upper()
    if rating and rating not in CreditRating.values:
        raise ValidationError({"credit_rating": _(
            "“%(v)s” is not a credit rating: use A, B, C or D, or leave it empty.") % {
            "v": credit_rating}})
    if isinstance(upheld_complaints, bool) or not isinstance(upheld_complaints, int) or \
            upheld_complaints < 0:
        raise ValidationError({"upheld_complaints": _("Enter a whole number, 0 or more.")})
    with _acting(by):
        row = SupplierStanding.objects.filter(supplier=supplier).first() or SupplierStanding(
            supplier=supplier)
        row.credit_rating, row.upheld_complaints = rating, upheld_complaints
        row.updated_at = at or timezone.now()
        row.save()
    return row


def _in_force(today: dt.date, now: dt.datetime):
    """Contracts signed by ``now`` whose term covers ``today`` (not terminated)."""
    return (Contract.objects.exclude(status__in=[ContractStatus.DRAFT, ContractStatus.TERMINATED])
            .filter(start_on__lte=today, end_on__gte=today)
            .filter(Q(signed_at__isnull=True) | Q(signed_at__lte=now)))


def _risk_facts(supplier: Organisation, totals: dict, city_total: Decimal, today: dt.date,
                now: dt.datetime) -> risk_rules.SupplierRiskFacts:
    from cityops.demand.models import Qualification
    from cityops.procurement.models import Challenge, ChallengeStatus

    contracts = Contract.objects.filter(supplier=supplier).exclude(status=ContractStatus.DRAFT)
    by_period: dict[str, list[Decimal]] = {}
    for period, sei in (Assessment.objects.filter(contract__in=contracts, assessed_at__lte=now)
                        .order_by("period").values_list("period", "sei")):
        by_period.setdefault(period, []).append(sei)
    history = tuple((sum(v) / len(v)).quantize(Decimal("0.01"))
                    for _, v in sorted(by_period.items()))
    due = late = 0
    for due_on, accepted_on in Milestone.objects.filter(
            contract__in=contracts, due_on__lt=today).values_list("due_on", "accepted_on"):
        due += 1
        if accepted_on is not None and accepted_on <= today:
            late += accepted_on > due_on
        else:
            late += 1  # still open past its due day, as of ``today``
    standing = SupplierStanding.objects.filter(supplier=supplier).first()
    expiry = Qualification.objects.filter(profile__supplier=supplier).order_by(
        "expires_on").values_list("expires_on", flat=True).first()
    # Challenges upheld against a procurement the supplier had won: its award did not stand.
    upheld = Challenge.objects.filter(status=ChallengeStatus.UPHELD,
                                      procurement__awards__supplier=supplier,
                                      decided_at__lte=now).distinct().count()
    return risk_rules.SupplierRiskFacts(
        supplier_key=supplier.name,
        credit_rating=(standing.credit_rating or None) if standing else None,
        sei_history=history, milestones_due=due, milestones_late=late,
        upheld_challenges=upheld,
        upheld_complaints=standing.upheld_complaints if standing else 0,
        supplier_contract_amount_wan=totals.get(supplier.pk, Decimal(0)),
        city_contract_amount_wan=city_total,
        days_to_qualification_expiry=(expiry - today).days if expiry else None)


@transaction.atomic
def risk_recompute(*, at: dt.datetime | None = None, progress=None,
                   notify: bool = True) -> int:
    """The risk index of every supplier with a signed contract, the deposit it sets for each
    contract in force (never above 10% of the amount), and the alerts: risk rising, deposit to
    raise, qualification expiring. Returns how many suppliers were computed."""
    from cityops.demand.models import Qualification

    now = at or timezone.now()
    today = _today(now)
    in_force = _in_force(today, now)
    totals = dict(in_force.values("supplier_id").annotate(t=Sum("amount_wan"))
                  .values_list("supplier_id", "t"))
    city_total = sum(totals.values(), Decimal(0))
    suppliers = Organisation.objects.filter(pk__in=Contract.objects.exclude(
        status=ContractStatus.DRAFT).filter(start_on__lte=today).values("supplier_id")
    ).order_by("name")
    total = suppliers.count()
    n = 0
    for supplier in suppliers:
        result = risk_rules.supplier_risk(_risk_facts(supplier, totals, city_total, today, now))
        req = risk_rules.deposit_requirement(result.index, totals.get(supplier.pk) or 1)
        previous = SupplierRisk.objects.filter(supplier=supplier, computed_at__lt=now).order_by(
            "-computed_at").first()
        SupplierRisk.objects.create(
            supplier=supplier, computed_at=now, index=result.index, level=str(result.level),
            factors=[f.to_dict() for f in result.factors], deposit_ratio=req.ratio,
            insurance_required=req.insurance_required, audit_required=req.audit_required)
        found = []
        if previous is not None:
            rising = alert_rules.risk_alert(supplier.name, [
                (timezone.localtime(previous.computed_at).date().isoformat(), previous.index,
                 previous.level),
                (today.isoformat(), result.index, str(result.level))])
            if rising:
                found.append(rising)
        contracts = list(in_force.filter(supplier=supplier))
        if contracts:
            quals = [(str(q), q.expires_on)
                     for q in Qualification.objects.filter(profile__supplier=supplier)]
            found += alert_rules.qualification_alerts(supplier.name, quals, today)
        alerts_raise(found, supplier=supplier, at=now, notify=notify)
        for c in contracts:
            need = risk_rules.deposit_requirement(result.index, c.amount_wan).amount_wan
            deposit = alert_rules.deposit_alert(c.code, need, c.deposit_wan)
            # one open alert per contract, for the amount now required: a new amount replaces
            # the earlier alert, a deposit now sufficient resolves it
            Alert.objects.filter(contract=c, kind=alert_rules.AlertKind.DEPOSIT_TO_RAISE,
                                 resolved_at__isnull=True).exclude(
                detail=str(need) if deposit else None).update(resolved_at=now)
            if deposit:
                alerts_raise([replace(deposit, detail=str(need))], contract=c, at=now,
                             notify=notify)
        n += 1
        if progress:
            progress(n, total)
    return n


# -- alerts --------------------------------------------------------------------------------------


def _alert_key(a: alert_rules.Alert, contract: Contract | None,
               supplier: Organisation | None) -> str:
    subject = f"c{contract.pk}" if contract is not None else f"s{supplier.pk}" if supplier \
        else a.subject_id
    return f"{a.kind}:{subject}:{a.period}:{a.detail}"[:200]


def _recipients(audience: Iterable[str], contract: Contract | None,
                supplier: Organisation | None, at: dt.datetime) -> list[User]:
    users: dict[int, User] = {}
    for role in audience:
        if role == Role.SUPPLIER and supplier is not None:
            found = core_services.users_of(supplier.pk, [Role.SUPPLIER])
        elif role == Role.DEPARTMENT_OFFICER:
            if contract is not None:
                buyers = [contract.buyer_id]
            elif supplier is not None:
                # a supplier's alert concerns every department it serves now
                today = _today(at)
                buyers = list(_in_force(today, at).filter(supplier=supplier)
                              .values_list("buyer_id", flat=True).distinct())
            else:
                buyers = []
            found = [u for b in buyers for u in core_services.users_of(
                b, [Role.DEPARTMENT_OFFICER])]
        elif role in (Role.PLATFORM_ADMIN, Role.FINANCE_OFFICER):
            found = core_services.users_with_role(role)
        else:
            found = []
        users.update({u.pk: u for u in found})
    return list(users.values())


def alerts_raise(found: Iterable[alert_rules.Alert], *, contract: Contract | None = None,
                 supplier: Organisation | None = None, at: dt.datetime | None = None,
                 notify: bool = True) -> int:
    """Store each alert once (kind, subject, period, detail) and notify its audience once, as an
    in-platform notification. Returns how many were new."""
    now = at or timezone.now()
    created = 0
    for a in found:
        s = supplier or (contract.supplier if contract is not None else None)
        row, new = Alert.objects.get_or_create(key=_alert_key(a, contract, s), defaults={
            "kind": str(a.kind), "severity": str(a.severity), "contract": contract,
            "supplier": s, "period": a.period, "detail": a.detail[:100],
            "message_zh": a.message_zh, "message_en": a.message_en,
            "audience": ",".join(a.audience), "created_at": now})
        if not new:
            continue
        created += 1
        if not notify:
            continue
        url = f"/performance/contracts/{contract.pk}/" if contract is not None \
            else "/performance/risk/"
        core_services.notify(
            recipients=_recipients(a.audience, contract, s, now), kind=f"alert.{a.kind}",
            severity="critical" if a.severity == alert_rules.Severity.CRITICAL else "warning",
            title=a.message_zh[:200], body=a.message_en, url=url, key=f"alert:{row.pk}")
    return created
