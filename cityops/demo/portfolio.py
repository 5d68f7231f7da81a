"""Demo portfolio for the demo city: about 60 projects shaped like the reference cases of
seed 001 (Haidian purchases, Xiangtan/Hefei PPPs, Changsha/Lianjiang EPC, a platform company,
joint companies for the citizen app), a few of them in breach of a rule on purpose so that the
compliance panel has something to say, and a budget projection of the right size.
Pure data: no Django. Amounts in 万元.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from .generator import DemoCity, rng_for

CITY_REGION = "330100"
# 2024 general public budget expenditure of a city of Hangzhou's size, 万元 (≈ 2,600 亿元).
BUDGET_BASE_YEAR = 2025
BUDGET_BASE_WAN = Decimal("26000000")
BUDGET_GROWTH = Decimal("0.03")
# The city's PPP liabilities outside the smart-city portfolio (roads, water, sponge city, ...),
# as a share of the budget, from the finance bureau's PPP ledger: typical of a Zhejiang city.
OTHER_PPP_SHARE = Decimal("0.0445")

COMPANIES = [
    {"key": "platform", "kind": "platform", "name": "杭州数智城市运营集团有限公司",
     "region_code": "330100", "registered_capital_wan": Decimal("20000"),
     "note": "市属国有平台公司：统筹建设运营，数据授权运营，管运分离（参照长沙数智科技集团）",
     "shareholders": [{"party_name": "杭州市国有资本投资运营有限公司", "party_kind": "government",
                       "amount_wan": Decimal("20000"), "share": Decimal("1")}]},
    # A second platform company in the same locality: the one-per-locality rule objects.
    {"key": "platform-2", "kind": "platform", "name": "杭州城市数字科技发展有限公司",
     "region_code": "330100", "registered_capital_wan": Decimal("10000"),
     "note": "区县自建的第二家平台公司（用于演示“一地一平台”规则）",
     "shareholders": [{"party_name": "杭州市城市建设投资集团有限公司", "party_kind": "soe",
                       "amount_wan": Decimal("10000"), "share": Decimal("1")}]},
    {"key": "joint-citizen", "kind": "joint", "name": "杭州市民云运营有限公司",
     "region_code": "330100", "registered_capital_wan": Decimal("5000"),
     "note": "本地国资与专业企业合资运营城市服务 APP（参照成都天府市民云 40/60）",
     "shareholders": [
         {"party_name": "杭州金融投资集团有限公司", "party_kind": "soe",
          "amount_wan": Decimal("3000"), "share": Decimal("0.6")},
         {"party_name": "浙江万企信息股份有限公司", "party_kind": "private",
          "amount_wan": Decimal("2000"), "share": Decimal("0.4")}]},
    {"key": "spv-brain", "kind": "spv", "name": "杭州智城联合信息科技有限公司",
     "region_code": "330100", "registered_capital_wan": Decimal("50310"),
     "note": "城市大脑 PPP 项目公司（参照湘潭：政府 34%、社会资本 66%）",
     "shareholders": [
         {"party_name": "杭州市城市大脑投资有限公司", "party_kind": "government",
          "amount_wan": Decimal("17105.4"), "share": Decimal("0.34")},
         {"party_name": "社会资本联合体", "party_kind": "social_capital",
          "amount_wan": Decimal("33204.6"), "share": Decimal("0.66")}]},
    {"key": "spv-health", "kind": "spv", "name": "杭州达实智慧医疗投资发展有限公司",
     "region_code": "330100", "registered_capital_wan": Decimal("3000"),
     "note": "智慧医疗 PPP 项目公司（参照淮南：政府 30%）",
     "shareholders": [
         {"party_name": "杭州市产业发展投资有限公司", "party_kind": "government",
          "amount_wan": Decimal("900"), "share": Decimal("0.3")},
         {"party_name": "社会资本方", "party_kind": "social_capital",
          "amount_wan": Decimal("2100"), "share": Decimal("0.7")}]},
]

# (name, department key, model, objects, extra fields)
_PURCHASES = [
    ("政务云平台购买服务", "data-bureau", ["infrastructure"], 785),
    ("政务云网络安全监测服务", "data-bureau", ["security"], 156),
    ("等级保护测评服务（10 个二级系统）", "data-bureau", ["security"], 92),
    ("备份云服务（490TB + 200 台容灾云主机）", "data-bureau", ["infrastructure"], 652),
    ("12345 热线平台运维服务", "data-bureau", ["system", "portal"], 420),
    ("城市服务 APP 内容运营服务", "data-bureau", ["portal", "data"], 380),
    ("公共数据治理与质量提升服务", "data-bureau", ["data"], 560),
    ("医院互联网诊疗平台运维", "health", ["system"], 310),
    ("全民健康信息平台数据治理", "health", ["data"], 270),
    ("智慧教育云平台运维服务", "education", ["infrastructure", "system"], 340),
    ("公共交通数据开放服务", "transport", ["data"], 190),
    ("城市运行监测指挥中心值守服务", "urban-management", ["portal", "system"], 460),
    ("生态环境监测物联网运维", "ecology-environment", ["infrastructure"], 230),
    ("市场主体信用信息平台运维", "market-regulation", ["system", "data"], 210),
    ("社保经办系统安全运营服务", "human-resources", ["security"], 175),
    ("养老服务一键呼叫平台运营", "civil-affairs", ["portal", "system"], 260),
    ("应急指挥通信保障服务", "emergency", ["infrastructure", "security"], 330),
    ("医保智能监管系统运维", "healthcare-security", ["system"], 240),
]
_PPPS = [
    # name, dept, subtype, investment, build, operate, return, approval, extra
    ("城市大脑一期 PPP 项目", "data-bureau", "bot", 285700, 2, 10, "government_pay",
     dt.date(2018, 6, 1), {"company": "spv-brain"}),
    ("智慧医疗 PPP 项目", "health", "bot", 45000, 2, 12, "vgf", dt.date(2019, 3, 1),
     {"company": "spv-health", "user_payment_share": Decimal("0.35")}),
    ("高新区智慧城市 PPP（3421 架构）", "economy-it", "rot", 271000, 3, 15, "vgf",
     dt.date(2018, 11, 1), {"user_payment_share": Decimal("0.2")}),
    ("智慧停车 PPP 项目", "transport", "bot", 68000, 2, 20, "vgf", dt.date(2019, 8, 1),
     {"user_payment_share": Decimal("0.6")}),
    ("城市安全感知网 PPP", "public-security", "bot", 120000, 2, 10, "government_pay",
     dt.date(2019, 1, 15), {}),
    ("智慧水务 O&M PPP", "forestry-water", "om", 36000, 0, 8, "government_pay",
     dt.date(2020, 5, 1), {}),  # breach: PPP term under 10 years
    ("智慧园区打包 PPP（含少量停车收费）", "development-reform", "bot", 90000, 2, 15,
     "vgf", dt.date(2019, 4, 1),
     {"user_payment_share": Decimal("0.05"), "bundled_unrelated_parts": True}),  # bundling
    ("数据中心 BT 项目", "economy-it", "bt", 52000, 2, 10, "government_pay",
     dt.date(2018, 9, 1), {}),  # breach: BT is not PPP
    ("智慧充电网络特许经营", "development-reform", "boo", 80000, 2, 25, "user_pay",
     dt.date(2024, 6, 1), {"user_payment_share": Decimal("0.85"), "concession": True}),
    ("城市大脑二期（特许经营）", "data-bureau", "bot", 150000, 2, 15, "government_pay",
     dt.date(2024, 9, 1), {"user_payment_share": Decimal("0.1")}),  # breach: post-2023 rules
    ("智慧医养结合 PPP（规划中）", "civil-affairs", "bot", 160000, 2, 15, "government_pay",
     None, {"phase": "plan"}),
]
_EPCS = [
    ("城市生命线安全工程 EPC", "emergency", 89000, 3, True),
    ("平安城市视频联网 EPC", "public-security", 64000, 2, True),
    ("政务大数据平台 EPC", "data-bureau", 39000, 3, False),  # build–operate gap
    ("城市运行管理中心 EPC", "urban-management", 52000, 2, False),  # build–operate gap
    ("智慧交通信号系统 EPC", "transport", 27000, 2, True),
    ("新型智慧城市一期 EPC（11 个子项目）", "development-reform", 39000, 3, True),
    ("县域新型智慧城市 EPC（19 个子项目）", "development-reform", 46000, 3, False),
    ("智慧校园建设 EPC", "education", 18000, 2, True),
]
_PLATFORM = [
    ("城市大脑中枢运营", "data-bureau", ["data", "system"], 12000, "platform"),
    ("公共数据授权运营平台", "data-bureau", ["data"], 8000, "platform"),
    ("一网统管城市运行平台运营", "urban-management", ["portal", "system"], 9500, "platform"),
    ("城市数字底座（区县平台）", "planning-resources", ["infrastructure", "data"], 6000,
     "platform-2"),  # second platform company in the locality
    ("政务外网与物联感知网运营", "economy-it", ["infrastructure", "security"], 15000,
     "platform"),
]
_JOINT = [
    ("杭州市民云 APP 运营", "data-bureau", ["portal", "data"], 6000),
    ("亲清在线惠企平台运营", "commerce", ["portal", "system"], 3500),
    ("健康码与电子健康卡运营", "health", ["portal", "data"], 2800),
    ("文旅一码游运营", "culture-tourism", ["portal"], 2200),
    ("智慧社区服务平台运营", "civil-affairs", ["portal", "system"], 1800),
]
_OTHER = [
    ("智慧灯杆 LED 广告位经营", "urban-management", "dbb", ["infrastructure"], 2600,
     {"return_mechanism": "user_pay", "other_income": ["advertising"],
      "investment_subject": "enterprise"}),
    ("农业农村大数据平台", "agriculture", "dbb", ["data", "system"], 3200, {}),
    ("科技创新服务平台", "science-technology", "self_built", ["system", "portal"], 1500, {}),
    ("档案数字化系统", "civil-affairs", "dbb", ["system"], 900, {}),
    ("医保结算一件事数据服务", "healthcare-security", "self_built", ["data"], 1100,
     {"other_income": ["data_services"]}),
    ("规划一张图系统", "planning-resources", "dbb", ["system", "data"], 2400, {}),
]


def _date(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28))


def _end(start: dt.date, years: float) -> dt.date:
    days = int(round(years * 365.25))
    return start + dt.timedelta(days=max(days, 1) - 1)


def generate_portfolio(city: DemoCity) -> list[dict]:
    """The demo projects as field dictionaries (department and company given by key)."""
    rng = rng_for(city.seed, "portfolio")
    projects: list[dict] = []

    def add(name, department, model, objects, investment, **extra):
        number = len(projects) + 1
        start = extra.pop("start_date", None) or _date(rng, rng.randint(2018, 2025))
        build = extra.get("build_years", 0)
        operate = extra.get("operation_years", 0)
        term = float(extra.get("contract_term_years") or 0)
        length = max(build + operate, term * (1 + extra.get("renewals", 0)), 1)
        today_year = 2026
        phase = extra.pop("phase", None) or (
            "plan" if start.year > today_year else
            "build" if start.year + build > today_year else
            "handover" if start.year + length < today_year else "operate")
        record = {
            "code": f"HZ-{start.year}-{number:03d}",
            "name": name, "department": department, "region_code": CITY_REGION,
            "phase": phase, "operation_model": model, "ppp_subtype": "",
            "operation_objects": sorted(objects), "investment_subject": "government",
            "return_mechanism": "government_pay", "other_income": [],
            "approval_date": start - dt.timedelta(days=rng.randint(60, 240)),
            "start_date": start, "end_date": _end(start, length),
            "total_investment_wan": Decimal(investment).quantize(Decimal("0.01")),
            "construction_share": Decimal("0.1"), "build_years": 0, "operation_years": 0,
            "contract_term_years": None, "renewals": 0, "user_payment_share": Decimal(0),
            "has_operations_handover_plan": False, "company": None,
        }
        record.update(extra)
        if phase == "plan":
            record["approval_date"] = None
        projects.append(record)

    # Purchases of services: 1-year terms, some renewable twice (Haidian), three in breach.
    for i, (name, dept, objects, amount) in enumerate(_PURCHASES):
        extra = {"contract_term_years": Decimal(1), "renewals": rng.choice([0, 0, 2]),
                 "investment_subject": "government_enterprise", "construction_share": Decimal(0)}
        if i == 5:  # a 2-year contract without the four conditions: breach
            extra.update(contract_term_years=Decimal(2), start_date=dt.date(2023, 4, 1))
        if i == 10:  # 3 years with fixed content, continuity, stable funding and prices: lawful
            extra.update(contract_term_years=Decimal(3), content_fixed=True,
                         continuity_strong=True, funding_stable=True, prices_stable=True)
        if i == 12:  # sensors bought as a "service": works bundled with services, negative list
            extra.update(service_category="works_with_services")
        if i == 16:  # a 5-year term: breach
            extra.update(contract_term_years=Decimal(5))
        add(name, dept, "purchase", objects, amount * rng.uniform(0.9, 1.1), **extra)
    # PPP: Xiangtan/Hefei/Huainan-shaped; the old regime for approvals before the 2023 switch.
    for name, dept, subtype, amount, build, operate, ret, approval, extra in _PPPS:
        fields = {"ppp_subtype": subtype, "build_years": build, "operation_years": operate,
                  "return_mechanism": ret, "investment_subject": "joint",
                  "construction_share": Decimal("0.7"),
                  "annual_operating_cost_wan": (Decimal(amount) * Decimal("0.04")).quantize(
                      Decimal("0.01")),
                  "reasonable_profit_rate": Decimal("0.06"), "discount_rate": Decimal("0.045"),
                  "government_equity_wan": (Decimal(amount) * Decimal("0.3") * Decimal("0.34")
                                            ).quantize(Decimal("0.01")),
                  "risk_share_of_subsidy": Decimal("0.05")}
        fields.update(extra)
        share = fields.get("user_payment_share", Decimal(0))
        fields["annual_user_payment_wan"] = (fields["annual_operating_cost_wan"] * share * 3
                                             ).quantize(Decimal("0.01"))
        start = approval + dt.timedelta(days=200) if approval else dt.date(2027, 3, 1)
        add(name, dept, "ppp", ["infrastructure", "data", "system"], amount,
            start_date=start, **fields)
        if approval:
            projects[-1]["approval_date"] = approval
    # EPC: engineering-heavy, some without an operations hand-over plan.
    for name, dept, amount, build, plan in _EPCS:
        add(name, dept, "epc", ["infrastructure", "system"], amount, build_years=build,
            construction_share=Decimal("0.8"), has_operations_handover_plan=plan)
    for name, dept, objects, amount, company in _PLATFORM:
        add(name, dept, "platform", objects, amount, operation_years=10, company=company,
            investment_subject="government_enterprise", other_income=["data_services"]
            if "data" in objects else [])
    for name, dept, objects, amount in _JOINT:
        add(name, dept, "joint", objects, amount, operation_years=8, company="joint-citizen",
            investment_subject="joint", user_payment_share=Decimal("0.15"),
            other_income=["advertising", "data_services"])
    for name, dept, model, objects, amount, extra in _OTHER:
        add(name, dept, model, objects, amount, build_years=1, operation_years=3, **extra)
    # Fill up to 60 with smaller purchases across the other departments.
    departments = [o.key for o in city.departments]
    services = ["数据共享交换平台运维", "政务服务事项梳理服务", "网络安全攻防演练服务",
                "移动办公平台运维", "电子证照归集服务", "基层治理四平台运维"]
    while len(projects) < 60:
        dept = departments[len(projects) % len(departments)]
        add(rng.choice(services), dept, "purchase", [rng.choice(["system", "data", "security"])],
            rng.uniform(60, 400), contract_term_years=Decimal(1), renewals=rng.choice([0, 2]),
            investment_subject="government_enterprise", construction_share=Decimal(0))
    return projects


def budget() -> dict:
    return {"base_year": BUDGET_BASE_YEAR, "base_expenditure_wan": BUDGET_BASE_WAN,
            "growth_rate": BUDGET_GROWTH, "other_ppp_share": OTHER_PPP_SHARE}
