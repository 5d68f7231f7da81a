"""Pay for performance in the browser, from a measurement upload to an approved payment: the
supplier uploads last month's values as a CSV file, the owner department assesses the month
(SEI and payment), finance opens the payment, reads its derivation and approves it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Last month: 99.5% availability is the floor (scores 60), everything else at its target, so
# SEI = 0.20 × 60 + 0.80 × 100 = 92.00 and the month is paid in full.
VALUES = {"citizen_satisfaction": "92", "availability": "99.5",
          "incident_response_minutes": "25", "incident_resolution_hours": "6",
          "data_quality": "98.5", "security_incidents": "0"}


def _zh(text) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(text)


def _open_from_nav(page, href):
    page.locator(f'nav.sidebar a[href="{href}"]').click()
    expect(page).to_have_url(re.compile(re.escape(href) + r"$"))


def _logout(page):
    page.locator("[data-testid=logout]").click()
    expect(page.locator("[data-testid=logout]")).to_have_count(0)


def test_from_an_uploaded_csv_to_an_approved_payment(personas, login, page, js_errors):
    from cityops.performance.models import Measurement, PaymentStatus, PeriodPayment
    from cityops.performance.tests.support import LAST_MONTH, make_contract

    contract = make_contract(personas.health, personas.supplier_org)  # 10.00 万元 a month
    csv = "contract,kpi,period,value\n" + "".join(
        f"{contract.code},{kpi},{LAST_MONTH},{value}\n" for kpi, value in VALUES.items())

    # 1. The supplier uploads its month.
    login(personas.supplier)
    _open_from_nav(page, "/performance/")
    page.locator("[data-testid=upload-link]").click()
    form = page.locator("[data-testid=upload-form]")
    form.locator("input[type=file]").set_input_files(
        {"name": "measurements.csv", "mimeType": "text/csv", "buffer": csv.encode()})
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/performance/$"))
    expect(page.locator(".messages li.success")).to_contain_text("6")
    assert Measurement.objects.filter(kpi__contract=contract, source="upload").count() == 6
    page.locator(f'[data-contract="{contract.code}"] a').first.click()
    expect(page.locator("[data-testid=measurements] tbody tr")).to_have_count(6)
    expect(page.locator("[data-testid=assess-form]")).to_have_count(0)  # not the supplier's
    _logout(page)

    # 2. The owner department assesses it.
    login(personas.dept)
    page.goto(f"/performance/contracts/{contract.pk}/")
    assess = page.locator("[data-testid=assess-form]")
    assess.locator("input[name=month]").fill(LAST_MONTH)
    assess.locator("[data-action=assess]").click()
    expect(page.locator("[data-testid=sei-value]")).to_have_text("92.00")
    expect(page.locator('[data-testid=drilldown] tr[data-kpi="availability"]')).to_contain_text(
        "60.0")
    expect(page.locator("[data-testid=payment-link]")).to_contain_text("10.00 / 10.00")
    _logout(page)

    # 3. Finance reads the derivation and approves.
    payment = PeriodPayment.objects.get(contract=contract, period=LAST_MONTH)
    login(personas.finance)
    _open_from_nav(page, "/performance/payments/")
    page.locator(f'[data-payment="{payment.pk}"] a').click()
    expect(page).to_have_url(re.compile(rf"/performance/payments/{payment.pk}/$"))
    steps = page.locator("[data-testid=derivation] li")
    expect(steps).to_have_count(6)
    expect(steps.nth(0)).to_contain_text("92.00")
    expect(steps.nth(2)).to_contain_text("10.00 万元 × 100% = 10.00 万元")
    expect(page.locator("[data-testid=payable]")).to_have_text("10.00")
    expect(page.locator("[data-testid=payment-status]")).to_have_text(
        _zh(PaymentStatus.COMPUTED.label))
    page.locator("[data-action=approve]").click()

    expect(page.locator("[data-testid=payment-status]")).to_have_text(
        _zh(PaymentStatus.APPROVED.label))
    expect(page.locator("[data-testid=approved-by]")).to_contain_text(
        personas.finance.display_name)
    expect(page.locator("[data-action=approve]")).to_have_count(0)
    payment.refresh_from_db()
    assert (payment.status, payment.approved_by) == ("approved", personas.finance)
    assert js_errors == []
