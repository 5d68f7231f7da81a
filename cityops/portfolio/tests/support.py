"""Shared builders for the portfolio's database tests: project fields for the services, the
API and the form, an .xlsx writer, clients per role and language, and the row counts that
must not move when input is refused."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

from django.test import Client
from openpyxl import Workbook
from rest_framework.test import APIClient

from cityops.core.models import AuditEntry
from cityops.portfolio import selectors, services
from cityops.portfolio.models import Company, ComplianceFinding, Project, Shareholder

CJK = re.compile(r"[\u4e00-\u9fff]")
REGION = "330100"


def counts() -> dict[str, int]:
    """Everything a refused write must leave as it was."""
    return {
        "projects": Project.objects.count(),
        "companies": Company.objects.count(),
        "shareholders": Shareholder.objects.count(),
        "findings": ComplianceFinding.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def assert_chinese(message: str) -> None:
    assert CJK.search(message), f"no Chinese in the default answer: {message!r}"


def assert_english(message: str) -> None:
    assert not CJK.search(message), f"Chinese in the English answer: {message!r}"
    assert re.search(r"[A-Za-z]{3,}", message), message


def assert_language(message: str, language: str) -> None:
    (assert_english if language == "en" else assert_chinese)(message)


# -- project fields ----------------------------------------------------------------------


def purchase_fields(department, code="P-001", **overrides) -> dict:
    """A one-year purchase of services approved under the 102号令 (compliant as it stands)."""
    fields = {
        "code": code, "name": "政务云平台购买服务", "department": department,
        "region_code": REGION, "phase": "operate", "operation_model": "purchase",
        "operation_objects": ["infrastructure"], "investment_subject": "government_enterprise",
        "return_mechanism": "government_pay", "approval_date": dt.date(2021, 3, 1),
        "start_date": dt.date(2021, 4, 1), "end_date": dt.date(2022, 3, 31),
        "total_investment_wan": Decimal("785"), "contract_term_years": Decimal("1"),
    }
    fields.update(overrides)
    return fields


def ppp_fields(department, code="PPP-001", **overrides) -> dict:
    """A government-pay BOT PPP approved under the 2019 rules: 2 years' build, 10 operating."""
    fields = {
        "code": code, "name": "城市大脑 PPP 项目", "department": department,
        "region_code": REGION, "phase": "operate", "operation_model": "ppp",
        "ppp_subtype": "bot", "operation_objects": ["data", "system"],
        "investment_subject": "joint", "return_mechanism": "government_pay",
        "approval_date": dt.date(2020, 6, 1), "start_date": dt.date(2020, 7, 1),
        "end_date": dt.date(2032, 6, 30), "total_investment_wan": Decimal("20000"),
        "construction_share": Decimal("0.7"), "build_years": 2, "operation_years": 10,
    }
    fields.update(overrides)
    return fields


def create(by, fields: dict) -> Project:
    return services.project_create(by=by, **fields)


def api_payload(fields: dict) -> dict:
    """Service fields as the API's JSON."""
    out = {}
    for name, value in fields.items():
        if name in {"department", "company"}:
            value = value.pk if value is not None else None
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        out[name] = value
    return out


FORM_DEFAULTS = {
    "phase": "plan", "ppp_subtype": "", "other_income": [], "approval_date": "",
    "construction_share": "0", "build_years": "0", "operation_years": "0",
    "contract_term_years": "", "renewals": "0", "service_category": "service",
    "user_payment_share": "0", "reasonable_profit_rate": "0.06", "discount_rate": "0.045",
    "annual_operating_cost_wan": "0", "annual_user_payment_wan": "0",
    "government_equity_wan": "0", "risk_share_of_subsidy": "0", "supporting_inputs_wan": "0",
    "description": "", "company": "",
}
BOOLEAN_FIELDS = {"content_fixed", "continuity_strong", "funding_stable", "prices_stable",
                  "bundled_unrelated_parts", "concession", "adds_fiscal_burden",
                  "has_operations_handover_plan"}


def form_data(fields: dict) -> dict:
    """Service fields as the project form's POST (unchecked boxes are left out)."""
    data = dict(FORM_DEFAULTS)
    for name, value in api_payload(fields).items():
        if name in BOOLEAN_FIELDS:
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    return data


def project_form_data(project: Project, **overrides) -> dict:
    """The edit form as the page shows it for ``project``, with some fields changed."""
    fields = {f.name: getattr(project, f.name) for f in Project._meta.concrete_fields
              if f.name not in {"id", "created_at", "updated_at", "compliance_outcome"}}
    fields["operation_objects"] = project.operation_object_list
    fields["other_income"] = project.other_income_list
    fields.update(overrides)
    return form_data(fields)


def build_fiscal_portfolio(personas):
    """Y is this year. A flat budget of 100亿 (1,000,000 万元) a year; a small government-pay
    PPP in operation (20,000 万元, its third year of operation in Y);
    and a planned government-pay PPP whose own subsidy is 6% of the budget.

    The planned one: 600,000 万元 paid back over 10 years with no profit and no discounting
    (rates 0), so its subsidy is 600,000 / 10 = 60,000 万元 = 6% a year from its first year of
    operation (start Y+1, one year's build: Y+2), and nothing before (no equity, no supporting
    inputs). With the operating PPP's ~0.3% on top, the total passes 5% first in Y+2 and never
    reaches 10%."""
    year = selectors.window_start()
    services.budget_set(by=personas.finance, base_year=year,
                        base_expenditure_wan=Decimal("1000000"), growth_rate=Decimal("0"))
    # in operation since Y-2 (built Y-4 to Y-3), subsidised until Y+7
    operating = create(personas.dept, ppp_fields(
        personas.health, start_date=dt.date(year - 4, 7, 1), end_date=dt.date(year + 8, 6, 30)))
    planned = create(personas.dept, ppp_fields(
        personas.health, code="PPP-PLAN", name="智慧医养结合 PPP（规划中）", phase="plan",
        approval_date=None, start_date=dt.date(year + 1, 1, 1),
        end_date=dt.date(year + 11, 12, 31), total_investment_wan=Decimal("600000"),
        build_years=1, operation_years=10, reasonable_profit_rate=Decimal("0"),
        discount_rate=Decimal("0")))
    return year, operating, planned


# -- clients -----------------------------------------------------------------------------


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page_client(user, language: str = "zh-hans") -> Client:
    """A logged-in browser; English only when the user chose it (the language cookie)."""
    client = Client()
    client.force_login(user)
    if language == "en":
        client.cookies["django_language"] = "en"
    return client


def accept(language: str) -> dict:
    return {"HTTP_ACCEPT_LANGUAGE": language}


# -- spreadsheets ------------------------------------------------------------------------


def xlsx(header: list[str], rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


IMPORT_HEADER = ["code", "name", "department", "region_code", "phase", "operation_model",
                 "ppp_subtype", "operation_objects", "investment_subject", "return_mechanism",
                 "start_date", "end_date", "total_investment_wan", "contract_term_years",
                 "approval_date", "build_years", "operation_years"]


def import_row(org, code: str, /, **overrides) -> list:
    """One row of IMPORT_HEADER: a one-year purchase of services, fine as it is."""
    values = {
        "code": code, "name": f"导入项目 {code}", "department": org.name,
        "region_code": REGION, "phase": "build", "operation_model": "purchase",
        "ppp_subtype": None, "operation_objects": "system,data",
        "investment_subject": "government_enterprise", "return_mechanism": "government_pay",
        "start_date": dt.date(2024, 1, 1), "end_date": dt.date(2024, 12, 31),
        "total_investment_wan": 250, "contract_term_years": 1,
        "approval_date": dt.date(2023, 12, 1), "build_years": 0, "operation_years": 1,
    }
    values.update(overrides)
    return [values[column] for column in IMPORT_HEADER]
