"""From need to contract in the browser, across the roles: the health department's officer
files a need on its 12 indicators and submits it; the data bureau approves it; the officer
plans the procurement and publishes the notice; a supplier bids on the page (a competitor's
bid arrives through the service); bidding closes at its deadline (the one step taken through
the service, with the clock moved past the deadline); the officer scores, ranks and awards;
with no standstill the officer drafts and signs the contract; the supplier sees it signed and
the need is fulfilled."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _zh(text) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(text)


def _switch(context, login, user):
    context.clear_cookies()
    return login(user)


def test_a_need_walks_from_filing_to_a_signed_contract(personas, context, login, page,
                                                       js_errors):
    from cityops.demand.models import Need, NeedStatus
    from cityops.demand.tests.matrix import profile
    from cityops.procurement import services
    from cityops.procurement.models import Bid, Contract, ContractStatus, Procurement

    profile(personas.supplier)
    profile(personas.supplier2)

    # 1. The officer files the need and submits it.
    login(personas.dept)
    page.goto("/demand/needs/")
    page.locator("[data-testid=new-need]").click()
    form = page.locator("[data-testid=need-form]")
    values = {
        "title": "政务云平台购买服务", "tags": "政务云，云计算，运维",
        "region_code": "330100", "technical_standard": "GB/T 22239-2019",
        "implementation_days": "90", "budget_wan": "300", "availability_pct": "99.9",
        "response_minutes": "30", "data_interfaces": "12", "user_scale": "20000",
        "integration_points": "8", "operations_months": "12",
        "description": "为全市委办局提供政务云计算、存储、网络资源及安全运维服务。",
        "acceptance_criteria": "资源交付率 100%，月可用性不低于 99.9%",
    }
    for name, value in values.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("select[name=category]").select_option("infrastructure")
    form.locator("select[name=security_level]").select_option("3")
    # A typo first: the form names the field and keeps what was typed.
    form.locator("[name=budget_wan]").fill("-300")
    form.locator("button[type=submit]").click()
    expect(page.locator("p.error[data-field=budget_wan]")).to_be_visible()
    expect(page.locator("[name=title]")).to_have_value("政务云平台购买服务")
    page.locator("[name=budget_wan]").fill("300")
    page.locator("[data-testid=need-form] button[type=submit]").click()
    expect(page.locator("[data-testid=need-status]")).to_have_text(_zh(NeedStatus.DRAFT.label))
    need = Need.objects.get()
    page.locator("[data-action=submit]").click()
    expect(page.locator("[data-testid=need-status]")).to_have_text(
        _zh(NeedStatus.SUBMITTED.label))

    # 2. The data bureau approves it.
    _switch(context, login, personas.admin)
    page.goto(f"/demand/needs/{need.pk}/")
    expect(page.locator("[data-testid=matching-table]")).to_contain_text(
        personas.supplier_org.name)  # the ranking loads beside the review
    page.locator("[data-testid=comment-approve]").fill("同意，按公开招标采购")
    page.locator("[data-action=approve]").click()
    expect(page.locator("[data-testid=need-status]")).to_have_text(
        _zh(NeedStatus.APPROVED.label))

    # 3. The officer plans the procurement (no standstill, to finish today) and publishes.
    _switch(context, login, personas.dept)
    page.goto(f"/demand/needs/{need.pk}/")
    page.locator("[data-testid=plan-procurement]").click()
    plan = page.locator("[data-testid=plan-form]")
    expect(plan.locator(f"input[name=needs][value='{need.pk}']")).to_be_checked()
    plan.locator("[name=title]").fill("政务云平台购买服务")
    plan.locator("select[name=method]").select_option("public_tender")
    plan.locator("select[name=evaluation_method]").select_option("comprehensive")
    plan.locator("[name=price_weight]").fill("0.3")
    plan.locator("[name=criteria_text]").fill("技术方案 = 0.7")
    plan.locator("[name=standstill_days]").fill("0")
    plan.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=procurement-status]")).to_be_visible()
    p = Procurement.objects.get()
    assert p.findings == [] and p.standstill_days == 0
    deadline = timezone.localtime(timezone.now() + dt.timedelta(hours=2)).replace(
        second=0, microsecond=0)
    publish = page.locator("[data-testid=procurement-actions]")
    publish.locator("[name=bid_deadline]").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    publish.locator("[name=notice]").fill("欢迎符合条件的供应商参加。")
    publish.locator("[data-action=publish]").click()
    expect(page.locator("[data-testid=sealed]")).to_be_visible()

    # 4. The supplier bids on the page; a competitor bids through the service.
    _switch(context, login, personas.supplier)
    page.goto(f"/procurement/{p.pk}/")
    bid_form = page.locator("[data-testid=bid-form]")
    bid_form.locator("[name=price_wan]").fill("268.5")
    bid_form.locator("[name=proposal]").fill("两地三中心政务云方案，7×24 运维。")
    bid_form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=own-bid]")).to_contain_text("268.5")
    services.bid_submit(procurement=p, by=personas.supplier2, price_wan=Decimal("255"))
    expect(page.locator("[data-testid=own-bid]")).not_to_contain_text("255")

    # 5. Bidding closes at the deadline (the clock moved past it); the officer scores the
    # bids on the page, ranks them and awards.
    services.bidding_close(procurement=p, by=personas.dept,
                           at=deadline + dt.timedelta(minutes=1))
    _switch(context, login, personas.dept)
    page.goto(f"/procurement/{p.pk}/")
    table = page.locator("[data-testid=bid-table]")
    expect(table).to_contain_text("268.5")
    points = {personas.supplier_org.name: "95", personas.supplier2_org.name: "60"}
    for name, value in points.items():
        row = page.locator("[data-testid=bid-table] tr", has_text=name)
        row.locator("input[name=c1]").fill(value)
        row.locator("button[type=submit]").click()
        expect(page.locator("[data-testid=bid-table] tr", has_text=name)
               .locator("input[name=c1]")).to_have_value(re.compile(rf"^{value}(\.0)?$"))
    page.locator("[data-action=evaluate]").click()
    expect(page.locator("[data-testid=bid-table] tr", has_text=personas.supplier_org.name)
           .locator("td").first).to_have_text("1")
    page.locator("[data-action=award]").click()
    expect(page.locator("[data-testid=awards]")).to_contain_text(personas.supplier_org.name)

    # 6. No standstill: the officer drafts the contract from the award and signs it.
    contract_form = page.locator("[data-testid=contract-form]")
    expect(contract_form).to_be_visible()
    contract_form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=contract-status]")).to_have_text(
        _zh(ContractStatus.DRAFT.label))
    page.locator("[data-action=sign]").click()
    expect(page.locator("[data-testid=contract-status]")).to_have_text(
        _zh(ContractStatus.ACTIVE.label))
    contract = Contract.objects.get()
    assert contract.supplier == personas.supplier_org
    assert contract.amount_wan == Decimal("268.5")

    # 7. The supplier sees the signed contract; the need is fulfilled.
    _switch(context, login, personas.supplier)
    page.goto("/procurement/contracts/")
    page.locator("[data-testid=contract-table]").get_by_role(
        "link", name=contract.code).click()
    expect(page.locator("[data-testid=contract-status]")).to_have_text(
        _zh(ContractStatus.ACTIVE.label))
    expect(page.locator("body")).not_to_contain_text("255")  # the loser's price
    need.refresh_from_db()
    assert need.status == NeedStatus.FULFILLED
    assert Bid.objects.get(supplier=personas.supplier2_org).rank == 2
    assert js_errors == []
