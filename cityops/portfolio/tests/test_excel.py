"""Excel export and import of the project list: what a user downloads, edits and uploads.
Import is all or nothing: one bad row and nothing is written, every problem is named by row
and column."""

import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from cityops.core import audit
from cityops.core.models import AuditEntry
from cityops.portfolio import excel
from cityops.portfolio.models import Project

from .support import (
    IMPORT_HEADER,
    assert_language,
    counts,
    create,
    import_row,
    page_client,
    ppp_fields,
    purchase_fields,
    xlsx,
)

EXPORT = "/portfolio/export.xlsx"
IMPORT = "/portfolio/import/"
LANGUAGES = ["zh-hans", "en"]


def sheet_rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def as_dicts(rows: list[tuple]) -> dict[str, dict]:
    header = rows[0]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def upload(data: bytes, name: str = "projects.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def run_import(data: bytes, by, language: str = "zh-hans") -> excel.ImportReport:
    with translation.override(language), audit.acting_as(by):
        return excel.project_import_xlsx(data=data, by=by)


@pytest.fixture
def two_departments(personas):
    mine = create(personas.dept, purchase_fields(personas.health))
    theirs = create(personas.dept2, ppp_fields(personas.transport, code="T-PPP"))
    return mine, theirs


# -- export ------------------------------------------------------------------------------


def test_export_has_the_header_and_one_row_per_project(personas, two_departments):
    response = page_client(personas.admin).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert list(rows[0]) == excel.COLUMNS
    projects = as_dicts(rows)
    assert set(projects) == {"P-001", "T-PPP"}
    row = projects["P-001"]
    assert row["department"] == personas.health.name
    assert row["operation_model"] == "purchase"
    assert row["operation_objects"] == "infrastructure"
    assert row["total_investment_wan"] == 785
    assert row["start_date"].date() == dt.date(2021, 4, 1)
    assert projects["T-PPP"]["ppp_subtype"] == "bot"
    assert projects["T-PPP"]["operation_objects"] == "data,system"


def test_department_officer_exports_only_its_own_projects(personas, two_departments):
    rows = sheet_rows(page_client(personas.dept).get(EXPORT).content)
    assert [row[0] for row in rows[1:]] == ["P-001"]
    rows = sheet_rows(page_client(personas.dept2).get(EXPORT).content)
    assert [row[0] for row in rows[1:]] == ["T-PPP"]


def test_export_follows_the_list_filter(personas, two_departments):
    rows = sheet_rows(page_client(personas.finance).get(f"{EXPORT}?operation_model=ppp").content)
    assert [row[0] for row in rows[1:]] == ["T-PPP"]


def test_export_carries_a_guide_sheet(personas, two_departments):
    workbook = load_workbook(io.BytesIO(page_client(personas.admin).get(EXPORT).content))
    guide = {row[0]: row for row in workbook.worksheets[1].iter_rows(values_only=True)}
    assert guide["operation_model"][1] == "yes"
    assert "xyz" not in guide["operation_model"][2]
    assert "self_built" in guide["operation_model"][2]


# -- round trip --------------------------------------------------------------------------


def edited_export(client, code: str, **changes) -> bytes:
    workbook = load_workbook(io.BytesIO(client.get(EXPORT).content))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == code:
            for column, value in changes.items():
                row[header.index(column)].value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_round_trip_changes_only_what_was_edited(personas, two_departments):
    mine, theirs = two_departments
    client = page_client(personas.admin)
    data = edited_export(client, "P-001", name="政务云平台购买服务（改）")
    last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    report = run_import(data, personas.admin)
    assert report.errors == []
    assert (report.created, report.updated) == (0, 1)
    mine.refresh_from_db()
    assert mine.name == "政务云平台购买服务（改）"
    theirs_after = Project.objects.get(pk=theirs.pk)
    assert theirs_after.name == theirs.name
    assert theirs_after.total_investment_wan == theirs.total_investment_wan
    changed = list(AuditEntry.objects.filter(seq__gt=last_seq, object_type="portfolio.project"))
    assert len(changed) == 1
    assert changed[0].action == "update"
    assert changed[0].object_id == str(mine.pk)
    assert changed[0].actor_username == "alice"
    assert changed[0].after == {"name": "政务云平台购买服务（改）"}


def test_round_trip_through_the_import_page(personas, two_departments):
    mine, _theirs = two_departments
    client = page_client(personas.admin)
    data = edited_export(client, "P-001", name="政务云平台购买服务（页面导入）")
    response = client.post(IMPORT, {"file": upload(data)}, follow=True)
    assert response.redirect_chain[-1][0] == "/portfolio/"
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "更新 1 个项目" in shown
    mine.refresh_from_db()
    assert mine.name == "政务云平台购买服务（页面导入）"
    entry = AuditEntry.objects.filter(object_type="portfolio.project",
                                      object_id=str(mine.pk)).order_by("-seq").first()
    assert entry.action == "update" and entry.actor_username == "alice"


def test_unchanged_export_imports_as_nothing_changed(personas, two_departments):
    data = page_client(personas.admin).get(EXPORT).content
    before = counts()
    report = run_import(data, personas.admin)
    assert report.errors == []
    assert (report.created, report.updated) == (0, 0)
    assert counts()["audit"] == before["audit"]


def test_import_creates_projects_and_checks_their_compliance(personas):
    data = xlsx(IMPORT_HEADER, [
        import_row(personas.health, "IMP-1"),
        import_row(personas.health, "IMP-2", contract_term_years=2),
    ])
    report = run_import(data, personas.dept)
    assert report.errors == []
    assert (report.created, report.updated) == (2, 0)
    one, two = Project.objects.get(code="IMP-1"), Project.objects.get(code="IMP-2")
    assert one.department == personas.health
    assert one.operation_object_list == ["data", "system"]
    assert one.compliance_outcome == "pass"
    assert two.compliance_outcome == "fail"
    assert two.findings.get(rule_id="purchase.term").outcome == "fail"
    assert AuditEntry.objects.filter(object_type="portfolio.project", action="create",
                                     actor_username="bob").count() == 2


def test_import_accepts_labels_and_chinese_separators(personas):
    data = xlsx(IMPORT_HEADER, [import_row(
        personas.health, "IMP-ZH", operation_model="政府购买服务", operation_objects="数据、系统",
        total_investment_wan="1,250.50")])
    report = run_import(data, personas.dept)
    assert report.errors == [], report.errors
    project = Project.objects.get(code="IMP-ZH")
    assert project.operation_model == "purchase"
    assert project.operation_object_list == ["data", "system"]
    assert project.total_investment_wan == Decimal("1250.50")


# -- bad files: nothing is written -------------------------------------------------------


def assert_refused(report, row: int, column: str, language: str = "zh-hans") -> str:
    assert not report.ok
    found = [m for r, c, m in report.errors if (r, c) == (row, column)]
    assert found, f"no error at row {row}, column {column}: {report.errors}"
    for message in found:
        assert_language(message, language)
    assert (report.created, report.updated) == (0, 0)
    return " ".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_unknown_model_names_row_and_column_and_writes_nothing(personas, language):
    data = xlsx(IMPORT_HEADER, [
        import_row(personas.health, "OK-1"),
        import_row(personas.health, "BAD-1", operation_model="xyz"),
        import_row(personas.health, "OK-2"),
    ])
    before = counts()
    report = run_import(data, personas.admin, language)
    message = assert_refused(report, 3, "operation_model", language)
    assert "xyz" in message and "purchase" in message
    assert [(r, c) for r, c, _m in report.errors] == [(3, "operation_model")]
    assert counts() == before
    assert not Project.objects.filter(code__in=["OK-1", "OK-2"]).exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_file_that_is_not_xlsx_is_refused(personas, language):
    before = counts()
    report = run_import(b"hello", personas.admin, language)
    assert_refused(report, 0, "file", language)
    assert counts() == before


def test_missing_required_column_is_named(personas):
    header = [c for c in IMPORT_HEADER if c != "start_date"]
    row = import_row(personas.health, "IMP-1")
    del row[IMPORT_HEADER.index("start_date")]
    before = counts()
    assert_refused(run_import(xlsx(header, [row]), personas.admin), 1, "start_date")
    assert counts() == before


def test_unknown_column_is_named(personas):
    before = counts()
    report = run_import(xlsx([*IMPORT_HEADER, "colour"],
                             [[*import_row(personas.health, "IMP-1"), "red"]]), personas.admin)
    assert_refused(report, 1, "colour")
    assert counts() == before


def test_duplicate_codes_within_a_file_are_refused(personas):
    data = xlsx(IMPORT_HEADER, [import_row(personas.health, "IMP-1"),
                                import_row(personas.health, "IMP-2"),
                                import_row(personas.health, "IMP-1", name="重复")])
    before = counts()
    message = assert_refused(run_import(data, personas.admin), 4, "code")
    assert "2" in message
    assert counts() == before


def test_department_officer_cannot_import_another_departments_row(personas):
    data = xlsx(IMPORT_HEADER, [import_row(personas.health, "IMP-1"),
                                import_row(personas.transport, "IMP-2")])
    before = counts()
    assert_refused(run_import(data, personas.dept), 3, "department")
    assert counts() == before


def test_department_officer_cannot_update_another_departments_project(personas):
    theirs = create(personas.dept2, purchase_fields(personas.transport, code="T-001"))
    data = xlsx(IMPORT_HEADER, [import_row(personas.health, "T-001", name="越权改名")])
    before = counts()
    assert_refused(run_import(data, personas.dept), 2, "code")
    theirs.refresh_from_db()
    assert (theirs.name, theirs.department) == ("政务云平台购买服务", personas.transport)
    assert counts() == before


ROW_CASES = {
    "ppp_without_subtype": ("ppp_subtype", {"operation_model": "ppp", "operation_years": 10}),
    "purchase_without_term": ("contract_term_years", {"contract_term_years": None}),
    "negative_investment": ("total_investment_wan", {"total_investment_wan": -1}),
    "absurd_investment": ("total_investment_wan", {"total_investment_wan": 1e12}),
    "end_before_start": ("end_date", {"end_date": dt.date(2023, 12, 31)}),
    "not_a_date": ("start_date", {"start_date": "next spring"}),
    "unknown_department": ("department", {"department": "Nowhere Bureau"}),
    "required_cell_empty": ("name", {"name": None}),
    "unknown_object": ("operation_objects", {"operation_objects": "data,robots"}),
    "fractional_years": ("build_years", {"build_years": 1.5}),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", sorted(ROW_CASES))
def test_bad_row_is_named_and_nothing_is_written(personas, case, language):
    column, change = ROW_CASES[case]
    data = xlsx(IMPORT_HEADER, [import_row(personas.health, "OK-1"),
                                import_row(personas.health, "BAD-1", **change)])
    before = counts()
    assert_refused(run_import(data, personas.admin, language), 3, column, language)
    assert counts() == before


def test_every_bad_cell_is_reported_at_once(personas):
    data = xlsx(IMPORT_HEADER, [
        import_row(personas.health, "BAD-1", operation_model="xyz"),
        import_row(personas.health, "BAD-2", total_investment_wan=-5),
        import_row(personas.health, "BAD-3", start_date="soon", return_mechanism="barter"),
    ])
    report = run_import(data, personas.admin)
    assert {(r, c) for r, c, _m in report.errors} == {
        (2, "operation_model"), (3, "total_investment_wan"), (4, "start_date"),
        (4, "return_mechanism")}


# -- the import page ---------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_import_page_lists_the_problems_and_answers_400(personas, language):
    data = xlsx(IMPORT_HEADER, [import_row(personas.health, "OK-1"),
                                import_row(personas.health, "BAD-1", operation_model="xyz")])
    before = counts()
    response = page_client(personas.dept, language).post(IMPORT, {"file": upload(data)})
    assert response.status_code == 400
    page = response.content.decode()
    table = re.search(r'data-testid="import-errors">(.*?)</section>', page, re.S).group(1)
    cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)]
    assert cells[:2] == ["3", "operation_model"]
    assert_language(cells[2], language)
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_import_page_refuses_a_file_that_is_not_xlsx(personas, language):
    before = counts()
    response = page_client(personas.dept, language).post(IMPORT, {"file": upload(b"hello")})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert ("not a readable .xlsx file" if language == "en" else "无法读取该 .xlsx 文件") in page
    assert counts() == before


def test_import_page_refuses_a_file_without_the_xlsx_extension(personas):
    before = counts()
    response = page_client(personas.dept).post(IMPORT, {"file": upload(b"a,b\n1,2", "x.csv")})
    assert response.status_code == 400
    errors = re.findall(r'<p class="error" data-field="file">(.*?)</p>',
                        response.content.decode(), re.S)
    assert errors and "xlsx" in errors[0]
    assert_language(html.unescape(errors[0]), "zh-hans")
    assert counts() == before


def test_import_page_creates_for_a_department_officer(personas):
    data = xlsx(IMPORT_HEADER, [import_row(personas.health, "IMP-1")])
    response = page_client(personas.dept).post(IMPORT, {"file": upload(data)})
    assert response.status_code == 302
    assert Project.objects.get(code="IMP-1").department == personas.health


@pytest.mark.parametrize("role", ["finance", "auditor"])
def test_readers_cannot_import(personas, role):
    data = xlsx(IMPORT_HEADER, [import_row(personas.health, "IMP-1")])
    before = counts()
    response = page_client(getattr(personas, role)).post(IMPORT, {"file": upload(data)})
    assert response.status_code == 403
    assert counts() == before
