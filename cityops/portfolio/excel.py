"""Excel import and export of the project list (openpyxl). Import is all-or-nothing: every
row is validated first; one bad row and nothing is written, and every bad cell is reported."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from cityops.core.models import Organisation, User
from cityops.core.roles import Role

from . import choices
from .models import Project

# Column name (header cell) -> model field. The header row carries these names.
COLUMNS = [
    "code", "name", "department", "region_code", "phase", "operation_model", "ppp_subtype",
    "operation_objects", "investment_subject", "return_mechanism", "other_income",
    "approval_date", "start_date", "end_date", "total_investment_wan", "construction_share",
    "build_years", "operation_years", "contract_term_years", "renewals", "content_fixed",
    "continuity_strong", "funding_stable", "prices_stable", "service_category",
    "user_payment_share", "bundled_unrelated_parts", "concession", "adds_fiscal_burden",
    "has_operations_handover_plan", "reasonable_profit_rate", "discount_rate",
    "annual_operating_cost_wan", "annual_user_payment_wan", "government_equity_wan",
    "risk_share_of_subsidy", "supporting_inputs_wan", "description",
]
REQUIRED = {"code", "name", "department", "region_code", "operation_model", "operation_objects",
            "investment_subject", "return_mechanism", "start_date", "end_date",
            "total_investment_wan"}
CHOICE_COLUMNS = {
    "phase": choices.Phase, "operation_model": choices.OperationModel,
    "ppp_subtype": choices.PPPSubtype, "investment_subject": choices.InvestmentSubject,
    "return_mechanism": choices.ReturnMechanism, "service_category": choices.ServiceCategory,
}
MULTI_COLUMNS = {"operation_objects": choices.OperationObject, "other_income": choices.OtherIncome}
DATE_COLUMNS = {"approval_date", "start_date", "end_date"}
BOOL_COLUMNS = {"content_fixed", "continuity_strong", "funding_stable", "prices_stable",
                "bundled_unrelated_parts", "concession", "adds_fiscal_burden",
                "has_operations_handover_plan"}
INT_COLUMNS = {"build_years", "operation_years", "renewals"}
DECIMAL_COLUMNS = set(COLUMNS) - CHOICE_COLUMNS.keys() - MULTI_COLUMNS.keys() - DATE_COLUMNS - (
    BOOL_COLUMNS | INT_COLUMNS | {"code", "name", "department", "region_code", "description"})
MAX_ROWS = 20_000


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def _choice(enum, value: str) -> str:
    """Accept the code or its label in either language."""
    from django.utils import translation

    text = str(value).strip()
    if text in enum.values:
        return text
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            for code, label in enum.choices:
                if text == str(label):
                    return code
    raise ValueError(_("'%(value)s' is not one of: %(allowed)s") % {
        "value": text, "allowed": ", ".join(enum.values)})


def _cell(column: str, value, departments: dict[str, Organisation]):
    if value is None or (isinstance(value, str) and not value.strip()):
        if column in REQUIRED:
            raise ValueError(_("This column is required."))
        return None
    if column in CHOICE_COLUMNS:
        return _choice(CHOICE_COLUMNS[column], value)
    if column in MULTI_COLUMNS:
        parts = [p for p in str(value).replace("，", ",").replace("、", ",").split(",")
                 if p.strip()]
        return ",".join(sorted({_choice(MULTI_COLUMNS[column], p) for p in parts}))
    if column in DATE_COLUMNS:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(_("Not a date (YYYY-MM-DD): '%(value)s'") % {"value": value}) from None
    if column in BOOL_COLUMNS:
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "y", "是", "x", "√"}:
            return True
        if text in {"0", "false", "no", "n", "否", ""}:
            return False
        raise ValueError(_("Not yes/no: '%(value)s'") % {"value": value})
    if column in INT_COLUMNS:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(_("Not a whole number: '%(value)s'") % {"value": value}) from None
        if number != number.to_integral_value() or number < 0:
            raise ValueError(_("Not a whole number: '%(value)s'") % {"value": value})
        return int(number)
    if column in DECIMAL_COLUMNS:
        try:
            return Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(_("Not a number: '%(value)s'") % {"value": value}) from None
    if column == "department":
        key = str(value).strip()
        org = departments.get(key) or departments.get(key.upper())
        if org is None:
            raise ValueError(_("No department with this name or code: '%(value)s'") % {
                "value": key})
        return org
    return str(value).strip()


def _stored(name: str, value):
    """A number as the database keeps it (785 -> 785.00), so that the audit trail does not
    record a re-imported figure as a change."""
    field = Project._meta.get_field(name)
    if isinstance(value, Decimal) and isinstance(field, models.DecimalField):
        try:
            return value.quantize(Decimal(1).scaleb(-field.decimal_places))
        except InvalidOperation:
            return value  # too large: full_clean names the field
    return value


def _values(project: Project) -> dict:
    return {f.attname: f.value_from_object(project) for f in Project._meta.concrete_fields}


def project_import_xlsx(*, data: bytes, by: User | None) -> ImportReport:
    """Create or update projects (matched by code) from an .xlsx file, all or nothing."""
    from . import services

    report = ImportReport()
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError,
            IndexError):
        report.errors.append((0, "file", _("This is not a readable .xlsx file.")))
        return report
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, [])]
    unknown = [h for h in header if h and h not in COLUMNS]
    missing = sorted(REQUIRED - set(header))
    for name in unknown:
        report.errors.append((1, name, _("Unknown column.")))
    for name in missing:
        report.errors.append((1, name, _("Required column is missing.")))
    if report.errors:
        return report
    departments = {}
    for org in Organisation.objects.departments():
        departments[org.name] = departments[org.uscc] = org
        if org.short_name:
            departments.setdefault(org.short_name, org)
    existing = {p.code: p for p in Project.objects.all()}
    planned: list[tuple[Project, bool]] = []
    seen_codes: dict[str, int] = {}
    for number, values in enumerate(rows, start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if number - 1 > MAX_ROWS:
            report.errors.append((number, "file", _("More than %(n)s rows.") % {"n": MAX_ROWS}))
            break
        fields, row_ok = {}, True
        for column, value in zip(header, values, strict=False):
            if not column:
                continue
            try:
                fields[column] = _cell(column, value, departments)
            except ValueError as exc:
                report.errors.append((number, column, str(exc)))
                row_ok = False
        if not row_ok:
            continue
        code = fields["code"]
        if code in seen_codes:
            report.errors.append((number, "code", _("Same code as row %(row)s.") % {
                "row": seen_codes[code]}))
            continue
        seen_codes[code] = number
        project = existing.get(code) or Project()
        is_new = project.pk is None
        if not is_new and by is not None and not Project.objects.editable_by(by).filter(
                pk=project.pk).exists():
            report.errors.append((number, "code", _("You may not change this project.")))
            continue
        # A row that changes nothing is not an update (an export re-imported as it was).
        before = None if is_new else _values(project)
        for name, value in fields.items():
            if value is None and name not in REQUIRED:
                field = Project._meta.get_field(name)
                if field.has_default():
                    value = field.get_default()
                elif not field.null:
                    value = ""
            setattr(project, name, _stored(name, value))
        try:
            project.full_clean()
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                for message in messages:
                    report.errors.append((number, column, message))
            continue
        if by is not None and by.role == Role.DEPARTMENT_OFFICER and (
                project.department_id != by.organisation_id):
            report.errors.append((number, "department",
                                  _("You may import projects of your own department only.")))
            continue
        if before is not None and _values(project) == before:
            continue
        planned.append((project, is_new))
    if report.errors:
        return report
    if by is not None and by.role not in (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER):
        raise PermissionDenied
    with transaction.atomic():
        for project, is_new in planned:
            project.save()
            if is_new:
                report.created += 1
            else:
                report.updated += 1
        services.portfolio_recheck()
    return report


def project_export_xlsx(projects) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "projects"
    sheet.append(COLUMNS)
    for project in projects.select_related("department"):
        row = []
        for column in COLUMNS:
            value = project.department.name if column == "department" else getattr(project, column)
            if isinstance(value, Decimal):
                value = float(value) if column not in {"code"} else value
            row.append(value)
        sheet.append(row)
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("说明 guide")
    guide.append(["column", "required", "allowed values / format"])
    for column in COLUMNS:
        if column in CHOICE_COLUMNS:
            allowed = ", ".join(CHOICE_COLUMNS[column].values)
        elif column in MULTI_COLUMNS:
            allowed = "comma-separated: " + ", ".join(MULTI_COLUMNS[column].values)
        elif column in DATE_COLUMNS:
            allowed = "YYYY-MM-DD"
        elif column in BOOL_COLUMNS:
            allowed = "1/0, 是/否"
        elif column == "department":
            allowed = "department name or unified social credit code"
        else:
            allowed = ""
        guide.append([column, "yes" if column in REQUIRED else "", allowed])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
