"""Performance pages as people use them: what each role sees of a contract's index, forms that
answer 400 with the error beside its field and save nothing, the upload with its row errors,
finance's payment with its derivation and approval, the risk pages and the alerts on the
dashboard. (Status codes of every URL × role are in the permission matrix, matrix.py.)"""

import html
import re
from decimal import Decimal

import pytest

from cityops.performance import services
from cityops.performance.models import Measurement, PeriodPayment, SupplierStanding

from .support import (
    AT_FLOOR,
    AT_TARGET,
    LAST_MONTH,
    THIS_MONTH,
    assert_chinese,
    assert_english,
    assessed_month,
    counts,
    csv_bytes,
    make_contract,
    month,
    month_rows,
    page_client,
)


@pytest.fixture
def contract(personas):
    return make_contract(personas.health, personas.supplier_org)


@pytest.fixture
def assessed(personas, contract):
    """Month 1 at the floor (SEI 60, 6.00 of 10.00 payable), month 2 at target (100)."""
    first = assessed_month(contract, personas.supplier, personas.dept, month(1), values=AT_FLOOR)
    assessed_month(contract, personas.supplier, personas.dept, month(2))
    return first


def field_errors(response, field: str) -> list[str]:
    text = response.content.decode()
    return [html.unescape(m) for m in
            re.findall(rf'<p class="error" data-field="{field}">(.*?)</p>', text, re.S)]


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def detail_url(c) -> str:
    return f"/performance/contracts/{c.pk}/"


# -- the contract page ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "dept", "finance", "supplier", "auditor"])
def test_each_reader_sees_the_index_its_trend_and_its_inputs(personas, contract, assessed,
                                                             role):
    response = page_client(getattr(personas, role)).get(detail_url(contract))
    assert response.status_code == 200
    text = text_of(response)
    assert contract.code in text and personas.supplier_org.name in text
    assert 'data-testid="latest-sei">100.00<' in text
    assert "sei-trend" in text  # the chart's data
    assert 'data-period="' + month(1) + '"' in text and "6.00 / 10.00" in text
    # each KPI's normalisation and the weighting, on the page that shows the index
    assert "系统可用率（稳定性）：≥ 99.9% 得 100 分；= 99.5%（底线）得 60 分" in text
    assert "服务效能指数 = Σ(各指标权重 × 指标得分)" in text
    assert str(AT_FLOOR["incident_resolution_hours"]) in text  # a measurement
    forms = {"measurement-form": role in ("admin", "dept"), "assess-form": role in ("admin",
                                                                                     "dept"),
             "upload-link": role in ("admin", "dept", "supplier")}
    for testid, shown in forms.items():
        assert (f'data-testid="{testid}"' in text) is shown, testid


@pytest.mark.parametrize("role", ["dept2", "supplier2"])
def test_another_department_or_supplier_does_not_find_the_contract(personas, contract,
                                                                   assessed, role):
    client = page_client(getattr(personas, role))
    assert client.get(detail_url(contract)).status_code == 404
    assert client.get(f"/performance/assessments/{assessed.pk}/").status_code == 404
    assert client.get(f"/performance/payments/{assessed.payment.pk}/").status_code == 404
    listing = text_of(client.get("/performance/"))
    assert contract.code not in listing


def test_the_drill_down_shows_every_input_of_the_index(personas, contract, assessed):
    response = page_client(personas.supplier).get(f"/performance/assessments/{assessed.pk}/")
    text = text_of(response)
    assert 'data-testid="sei-value">60.00<' in text
    for code in AT_TARGET:
        assert f'data-kpi="{code}"' in text
    assert text.count("60.0</td>") >= 6  # every KPI at its floor scores 60


def test_the_contract_list_ranks_suppliers(personas, contract, assessed):
    other = make_contract(personas.transport, personas.supplier2_org)
    assessed_month(other, personas.supplier2, personas.dept2, month(1), values=AT_FLOOR)
    text = text_of(page_client(personas.finance).get("/performance/"))
    ranking = text.split('data-testid="supplier-ranking"')[1]
    # sam: mean of 60 and 100 = 80; sue: 60
    assert ranking.index(personas.supplier_org.name) < ranking.index(personas.supplier2_org.name)
    assert "80.0" in ranking and "+40" not in ranking and "40.0" in ranking


# -- manual entry and assessment ------------------------------------------------------------------


def test_the_department_records_a_value_by_hand(personas, contract):
    response = page_client(personas.dept).post(
        f"{detail_url(contract)}measure/",
        {"kpi_code": "availability", "period": month(3), "value": "99.97", "note": "巡检"})
    assert response.status_code == 302
    m = Measurement.objects.get()
    assert (m.value, m.source, m.submitted_by, m.note) == (99.97, "manual", personas.dept, "巡检")


@pytest.mark.parametrize("data, field", [
    ({"kpi_code": "availability", "period": "2026/03", "value": "99.9"}, "period"),
    ({"kpi_code": "availability", "period": "M3", "value": "n/a"}, "value"),
    ({"kpi_code": "uptime", "period": "M3", "value": "99.9"}, "kpi_code"),
    ({"kpi_code": "availability", "period": "M1", "value": "99.9"}, "period"),  # assessed
    ({"kpi_code": "availability", "period": "", "value": "99.9"}, "period"),
])
def test_a_wrong_value_comes_back_with_its_error_beside_the_field(personas, contract,
                                                                  assessed, data, field):
    data = {k: {"M1": month(1), "M3": month(3)}.get(v, v) for k, v in data.items()}
    before = counts()
    response = page_client(personas.dept, "en").post(f"{detail_url(contract)}measure/", data)
    assert response.status_code == 400
    errors = field_errors(response, field)
    assert errors, response.content.decode()[:2000]
    assert_english(errors[0])
    assert counts() == before


def test_the_period_error_is_chinese_by_default(personas, contract):
    response = page_client(personas.dept).post(
        f"{detail_url(contract)}measure/",
        {"kpi_code": "availability", "period": "2026/03", "value": "99.9"})
    assert response.status_code == 400
    assert_chinese(field_errors(response, "period")[0])


def test_the_department_assesses_a_month_and_lands_on_its_drill_down(personas, contract):
    from .support import submit_all

    submit_all(contract, personas.supplier, month(3), AT_TARGET)
    response = page_client(personas.dept).post(f"{detail_url(contract)}assess/",
                                               {"month": month(3), "value_added_items": "0"})
    assert response.status_code == 302
    payment = PeriodPayment.objects.get(period=month(3))
    assert response["Location"] == f"/performance/assessments/{payment.assessment.pk}/"
    assert (payment.assessment.sei, payment.payable_wan) == (Decimal("100.00"), Decimal("10.00"))


@pytest.mark.parametrize("value", ["2026-13", "next month", THIS_MONTH, "BEFORE", "M1"])
def test_a_month_that_cannot_be_assessed_is_named_with_400(personas, contract, assessed,
                                                           value):
    value = {"BEFORE": month(-1), "M1": month(1)}.get(value, value)
    before = counts()
    response = page_client(personas.dept, "en").post(f"{detail_url(contract)}assess/",
                                                     {"month": value})
    assert response.status_code == 400
    assert field_errors(response, "month")
    assert counts() == before


# -- upload ---------------------------------------------------------------------------------------


def _upload(client, name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/performance/upload/", {"file": SimpleUploadedFile(name, data)})


def test_the_supplier_uploads_a_month_of_values(personas, contract):
    client = page_client(personas.supplier)
    page = text_of(client.get("/performance/upload/"))
    assert contract.code in page and "availability" in page  # its contracts and KPI codes
    response = _upload(client, "oct.csv", csv_bytes(month_rows(contract, LAST_MONTH, AT_TARGET)))
    assert response.status_code == 302
    assert Measurement.objects.filter(source="upload", submitted_by=personas.supplier).count() == 6


def test_a_malformed_upload_lists_its_row_errors_with_400_and_saves_nothing(personas,
                                                                            contract):
    rows = month_rows(contract, LAST_MONTH, {"availability": 99.9, "data_quality": "abc"})
    rows.append([contract.code, "uptime", LAST_MONTH, 1])
    before = counts()
    response = _upload(page_client(personas.supplier, "en"), "bad.csv", csv_bytes(rows))
    assert response.status_code == 400
    errors = text_of(response).split('data-testid="upload-errors"')[1].split("</div>")[0]
    assert "Row 3, column value" in errors and "Row 4, column kpi" in errors
    assert "Row 2" not in errors
    assert counts() == before


def test_an_upload_that_is_not_a_spreadsheet_is_refused(personas, contract):
    response = _upload(page_client(personas.dept, "en"), "notes.pdf", b"%PDF-1.4")
    assert response.status_code == 400
    assert ".csv or .xlsx" in text_of(response)


# -- payments -------------------------------------------------------------------------------------


def test_finance_reads_the_derivation_and_approves(personas, contract, assessed):
    client = page_client(personas.finance)
    queue = text_of(client.get("/performance/payments/"))
    assert f'data-payment="{assessed.payment.pk}"' in queue
    url = f"/performance/payments/{assessed.payment.pk}/"
    page = text_of(client.get(url))
    assert "应付基本服务费 = 10.00 万元 × 60% = 6.00 万元" in page
    assert 'data-testid="payable">6.00<' in page
    assert 'data-action="approve"' in page
    english = text_of(page_client(personas.finance, "en").get(url))
    assert "Earned base payment = 10.00 万元 × 60% = 6.00 万元" in english
    response = client.post(f"{url}approve/")
    assert response.status_code == 302 and response["Location"] == url
    after = text_of(client.get(url))
    assert 'data-action="approve"' not in after
    assert 'data-testid="approved-by"' in after and personas.finance.display_name in after
    assert PeriodPayment.objects.get(pk=assessed.payment.pk).status == "approved"
    approved_queue = text_of(client.get("/performance/payments/?status=approved"))
    assert f'data-payment="{assessed.payment.pk}"' in approved_queue


def test_the_department_reads_a_payment_but_cannot_approve_it(personas, contract, assessed):
    url = f"/performance/payments/{assessed.payment.pk}/"
    page = text_of(page_client(personas.dept).get(url))
    assert "6.00" in page and 'data-action="approve"' not in page
    assert page_client(personas.dept).post(f"{url}approve/").status_code == 403
    assert PeriodPayment.objects.get(pk=assessed.payment.pk).status == "computed"


# -- risk and alerts ------------------------------------------------------------------------------


def test_the_risk_panel_shows_each_factors_contribution(personas, contract, assessed):
    services.risk_recompute()
    text = text_of(page_client(personas.finance, "en").get("/performance/risk/"))
    assert personas.supplier_org.name in text and "Credit rating" in text
    page = text_of(page_client(personas.supplier).get(
        f"/performance/risk/suppliers/{personas.supplier_org.pk}/"))
    for code in ("credit", "sei_level", "sei_trend", "late_deliveries", "challenges",
                 "concentration", "qualification"):
        assert f'data-factor="{code}"' in page
    assert 'data-testid="standing-form"' not in page
    assert page_client(personas.supplier2).get(
        f"/performance/risk/suppliers/{personas.supplier_org.pk}/").status_code == 404


def test_the_data_bureau_records_a_suppliers_credit_rating(personas, contract):
    url = f"/performance/risk/suppliers/{personas.supplier_org.pk}/standing/"
    client = page_client(personas.admin)
    response = client.post(url, {"credit_rating": "C", "upheld_complaints": "2"})
    assert response.status_code == 302
    standing = SupplierStanding.objects.get()
    assert (standing.credit_rating, standing.upheld_complaints) == ("C", 2)
    response = client.post(url, {"credit_rating": "Z", "upheld_complaints": "-1"})
    assert response.status_code == 400
    assert field_errors(response, "credit_rating") and field_errors(response,
                                                                    "upheld_complaints")


def test_alerts_reach_the_dashboards_of_the_department_and_the_supplier(personas, contract):
    bad = AT_TARGET | {"availability": 99.0}
    assessed_month(contract, personas.supplier, personas.dept, month(1), values=bad)
    message = "未达底线 99.5%"
    for who, shown in ((personas.dept, True), (personas.supplier, True),
                       (personas.dept2, False), (personas.supplier2, False)):
        home = text_of(page_client(who).get("/"))
        assert (message in home) is shown, who.username
        alerts = text_of(page_client(who).get("/performance/alerts/"))
        assert (message in alerts) is shown, who.username


@pytest.mark.parametrize("role, links", [
    ("finance", {"/performance/", "/performance/payments/", "/performance/risk/",
                 "/performance/alerts/"}),
    ("supplier", {"/performance/", "/performance/risk/", "/performance/alerts/"}),
    ("enterprise", set()),
])
def test_the_sidebar_offers_each_role_its_performance_pages(personas, role, links):
    text = text_of(page_client(getattr(personas, role)).get("/"))
    shown = set(re.findall(r'href="(/performance/[a-z/]*)"', text.split("</nav>")[0]))
    assert shown == links
