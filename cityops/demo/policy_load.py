"""The demo city's policy operations: an enterprise registry of a few thousand Hangzhou
profiles (the demo's 40 enterprises among them), about two hundred enterprise-support policies
of the city's departments and of the province and the state (the bundled examples included), a
province policy with its cascade of city and county implementing rules (some overdue), and a
stored match run.

The registry and the policies come from ``cityops.policy.synthetic`` (Guangdong) and are moved
to Zhejiang / Hangzhou here: region codes and the USCCs that embed them, names, 文号, titles,
exclusivity groups, dates shifted to the demo's year. Everything is written through the policy
services; the loader is idempotent (what exists is left alone).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import polars as pl
import yaml
from django.utils import timezone

from cityops.core import regions
from cityops.core.models import Organisation
from cityops.policy import services, synthetic
from cityops.policy.models import Enterprise, MatchRun, Policy, PolicyStatus

from .generator import HANGZHOU_DISTRICTS, DemoCity, rng_for

N_PROFILES = 3000
N_POLICIES = 210
EXAMPLES = Path(synthetic.__file__).resolve().parent / "data" / "examples"

# The synthetic set's 23 issuing departments → the Hangzhou department that carries the policy
# out (and keeps it on the platform).
DEPARTMENT_OF = {
    "science": "science-technology", "industry": "economy-it", "finance": "finance",
    "hr": "human-resources", "commerce": "commerce", "tax": "finance",
    "financial_regulation": "finance", "ip": "market-regulation", "market": "market-regulation",
    "ecology": "ecology-environment", "agriculture": "agriculture",
    "culture": "culture-tourism", "development": "development-reform",
    "transport": "transport", "housing": "housing-construction", "health": "health",
    "pboc": "finance", "data": "data-bureau", "education": "education",
    "customs": "commerce", "energy": "development-reform", "sasac": "finance",
    "natural_resources": "planning-resources",
}
DEPT_NAMES = {key: (name, abbr) for key, name, abbr in synthetic.DEPARTMENTS}
# Urban districts hold more firms than the outlying counties.
DISTRICT_WEIGHTS = {"330102": 9, "330105": 9, "330106": 12, "330108": 12, "330109": 12,
                    "330110": 14, "330111": 5, "330112": 4, "330113": 6, "330114": 7,
                    "330122": 3, "330127": 2, "330182": 3}
PROVINCE_PREFIX = "33"
CITY_PREFIX = "3301"


def _district_name(code: str) -> str:
    return regions.region_name(code) or code


# -- the registry ------------------------------------------------------------------------------


def _strings(ascii_rows: np.ndarray) -> list[str]:
    return [bytes(r).decode("ascii") for r in ascii_rows]


def demo_registry(city: DemoCity, n: int = N_PROFILES, *, as_of: dt.date) -> pl.DataFrame:
    """``n`` synthetic profiles registered in Hangzhou; the demo's enterprises are the first
    rows (their own USCC, name, district and industry), the first one with a profile that
    tells the demo's story (a tech SME whose R&D intensity of 3.2% is short of 5%)."""
    seed = rng_for(city.seed, "policy-registry").randrange(2**31)
    frame = synthetic.registry(n, seed, as_of=as_of)
    rng = np.random.default_rng(seed)
    codes = list(DISTRICT_WEIGHTS)
    weights = np.array([DISTRICT_WEIGHTS[c] for c in codes], float)
    district = np.asarray(codes)[rng.choice(len(codes), n, p=weights / weights.sum())]
    founded = frame.get_column("founded_on")
    new_style = (founded >= dt.date(2015, 10, 1)).fill_null(False).to_numpy()
    uscc = _strings(synthetic.uscc_array(district.astype(np.int64), rng.permutation(n),
                                         new_style, seed))
    old_place = [(regions.region_name(c[:4] + "00") or "").removesuffix("市")
                 for c in frame.get_column("region_code").to_list()]
    names = ["杭州" + name[len(place):] if place and name.startswith(place) else name
             for name, place in zip(frame.get_column("name").to_list(), old_place, strict=True)]
    frame = frame.with_columns(pl.Series("uscc", uscc), pl.Series("name", names),
                               pl.Series("region_code", district.tolist()))
    # the demo's enterprises replace the first rows (with their identity) and keep the
    # synthetic figures, so they match like any other firm
    enterprises = city.enterprises
    k = len(enterprises)
    ident = pl.DataFrame({
        "uscc": [o.uscc for o in enterprises], "name": [o.name for o in enterprises],
        "region_code": [o.region_code for o in enterprises],
        "industry_code": [o.industry_code or "" for o in enterprises]})
    head = frame.head(k).with_columns(ident.get_columns())
    story = {"founded_on": as_of.replace(year=as_of.year - 6), "employees": 80,
             "revenue_wan": 3000.0, "assets_wan": 2600.0, "tax_paid_wan": 95.0,
             "rd_expense_wan": 96.0, "patents_invention": 3, "patents_total": 9,
             "high_tech": False, "tech_sme": True, "specialised_sme": "province",
             "tax_credit_rating": "A", "export_wan": 0.0, "listed": "none",
             "graduates_hired": 4, "green_factory": False, "ownership": "private"}
    head = head.with_columns(
        [pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(v, dtype=head.schema[c]))
         .otherwise(pl.col(c)).alias(c) for c, v in story.items()])
    frame = pl.concat([head, frame.slice(k)])
    taken = {o.uscc for o in city.organisations}
    return frame.filter(~pl.col("uscc").is_in(list(taken)) | (pl.int_range(pl.len()) < k))


# -- the policies ------------------------------------------------------------------------------


def _shift(d, years: int):
    if not isinstance(d, dt.date):
        return d
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _old_place(level: str, scope: list[str]) -> str:
    if level == "national":
        return "国家"
    if level == "province":
        return "广东省"
    city = regions.region_name(scope[0][:4] + "00") or ""
    if level == "city" or len(scope[0]) < 6:
        return city
    return city + (regions.region_name(scope[0]) or "")


def _hangzhou(text: str, rng, years: int, n: int, as_of: dt.date) -> tuple[str, str, str]:
    """A synthetic (Guangdong) policy moved to Zhejiang / Hangzhou: (YAML, department key,
    issuing authority)."""
    d = yaml.safe_load(text)
    level = d["level"]
    old_place = _old_place(level, d["region_scope"])
    name, abbr = DEPT_NAMES[d["issuer"]]
    year = d["effective_from"].year + years
    if level == "national":
        scope, place = [], "国家"
        doc = re.sub(r"〔(\d{4})〕", lambda m: f"〔{int(m.group(1)) + years}〕", d["doc_number"])
    elif level == "province":
        scope, place = [PROVINCE_PREFIX], "浙江省"
        doc = f"浙{abbr}规〔{year}〕{n}号"
    elif level == "city":
        scope, place = [CITY_PREFIX], "杭州市"
        doc = f"杭{abbr}规〔{year}〕{n}号"
    else:
        district = HANGZHOU_DISTRICTS[int(rng.integers(len(HANGZHOU_DISTRICTS)))]
        scope, place = [district], "杭州市" + _district_name(district)
        doc = f"{_district_name(district)[:2]}{abbr}〔{year}〕{n}号"
    d["id"] = f"hz-{d['id'].lower()}"
    d["doc_number"] = doc
    d["title"] = d["title"].replace(old_place, place, 1) if old_place else d["title"]
    d["region_scope"] = scope
    for key in ("effective_from", "effective_to", "issued_on"):
        if key in d:
            d[key] = _shift(d[key], years)
    d["exclusivity_groups"] = [f"{g.rsplit('-', 1)[0]}-{scope[0] if scope else 'cn'}"
                               for g in d.get("exclusivity_groups") or []]
    guide = d.get("guide") or {}
    if "deadline" in guide:
        guide["deadline"] = _shift(guide["deadline"], years)
        end = d.get("effective_to")
        if guide["deadline"] < as_of and (end is None or end >= as_of):
            # a policy still in force takes applications in the current year
            guide["deadline"] = dt.date(as_of.year, 12, 31)
    if guide.get("channel") == "粤商通":
        guide["channel"] = "浙里办"
    contact = str(guide.get("contact", ""))
    if old_place and contact.startswith(old_place):
        contact = place + contact[len(old_place):]
    guide["contact"] = contact
    authority = contact or f"{place}{name}"
    return (yaml.safe_dump(d, allow_unicode=True, sort_keys=False, width=100),
            DEPARTMENT_OF[d["issuer"]], authority)


# Hand-written policies of the demo's story: a near miss for the demo enterprise, a draft of the
# health commission for the policy editor, and a province policy with its cascade.
STORY = {
    "rd": """\
id: hz-kjj-rd-sme
doc_number: 杭科规〔{year}〕21号
title: 杭州市科技型中小企业研发费用投入补助实施细则
issuer: science
level: city
region_scope: ["3301"]
issued_on: {issued}
effective_from: {issued}
effective_to: {until}
free_application: false
exclusivity_groups: [rd-subsidy-3301]
eligibility:
  all:
    - {{attr: tech_sme, op: is_true}}
    - {{attr: rd_intensity, op: ">=", value: 5}}
    - {{attr: revenue_wan, op: between, value: [500, 20000]}}
    - {{attr: tax_credit_rating, op: in, value: [A, B]}}
benefits:
  - kind: subsidy
    name: 研发费用投入补助
    amount: "min(rd_expense_wan * 0.15, 100)"
    cap_wan: 100
    description: 按上年度研发费用的 15% 给予补助，最高 100 万元
materials: [申请表, 研发费用专项审计报告, 科技型中小企业入库证明]
guide:
  steps: [浙里办在线申报, 区县（市）科技局初审, 市科技局复核, 公示, 资金拨付]
  channel: 浙里办
  deadline: {deadline}
  contact: 杭州市科学技术局
""",
    "health_draft": """\
id: hz-wjw-biomed-draft
doc_number: 杭卫规〔{year}〕8号
title: 杭州市生物医药创新产品首试首用奖励办法（征求意见稿）
issuer: health
level: city
region_scope: ["3301"]
effective_from: {soon}
free_application: false
exclusivity_groups: []
eligibility:
  all:
    - {{attr: industry_code, op: prefix_in, value: ["27", "358"]}}
    - {{attr: high_tech, op: is_true}}
    - {{attr: patents_invention, op: ">=", value: 2}}
benefits:
  - kind: subsidy
    name: 创新产品首试首用奖励
    amount: 50
    description: 一次性奖励 50 万元
materials: [申请表, 产品注册证, 首试首用证明]
guide:
  steps: [在线申报, 市卫生健康委审核, 公示, 资金拨付]
  channel: 浙里办
  contact: 杭州市卫生健康委员会
""",
    "province": """\
id: zj-jxt-specialised
doc_number: 浙经信规〔{year}〕6号
title: 浙江省关于加快培育专精特新中小企业的若干措施
issuer: industry
level: province
region_scope: ["33"]
issued_on: {issued}
effective_from: {issued}
effective_to: {until}
free_application: true
exclusivity_groups: [specialised-33]
eligibility:
  all:
    - {{attr: specialised_sme, op: in, value: [province, national]}}
    - {{attr: employees, op: "<", value: 1000}}
    - {{attr: tax_credit_rating, op: not_in, value: [C, D]}}
benefits:
  - kind: subsidy
    name: 专精特新企业培育奖励
    amount: 30
    description: 对新认定的省级专精特新中小企业一次性奖励 30 万元
materials: []
guide:
  steps: [省经信厅确定名单, 企业确认, 资金拨付]
  channel: 浙里办
  contact: 浙江省经济和信息化厅
""",
    "city_impl": """\
id: hz-jxj-specialised
doc_number: 杭经信规〔{year}〕11号
title: 杭州市加快培育专精特新中小企业若干措施实施细则
issuer: industry
level: city
region_scope: ["3301"]
implements: zj-jxt-specialised
issued_on: {issued}
effective_from: {issued}
effective_to: {until}
free_application: true
exclusivity_groups: [specialised-3301]
eligibility:
  all:
    - {{attr: specialised_sme, op: "==", value: national}}
    - {{attr: industry_code, op: prefix_in, value: [C]}}
benefits:
  - kind: subsidy
    name: 国家级专精特新“小巨人”配套奖励
    amount: 50
materials: []
guide:
  steps: [确认名单, 资金拨付]
  channel: 浙里办
  contact: 杭州市经济和信息化局
""",
    "county_impl": """\
id: hz-{district}-specialised
doc_number: {district_short}经信〔{year}〕{number}号
title: 杭州市{district_name}专精特新中小企业培育实施办法
issuer: industry
level: county
region_scope: ["{district}"]
implements: zj-jxt-specialised
issued_on: {issued}
effective_from: {issued}
effective_to: {until}
free_application: false
exclusivity_groups: [specialised-{district}]
eligibility:
  all:
    - {{attr: specialised_sme, op: in, value: [province, national]}}
    - {{attr: patents_invention, op: ">=", value: 1}}
benefits:
  - kind: subsidy
    name: 区级专精特新培育奖励
    amount: 10
materials: [申请表]
guide:
  steps: [在线申报, 区经信局审核, 资金拨付]
  channel: 浙里办
  contact: 杭州市{district_name}经济和信息化局
""",
    "province_new": """\
id: zj-kjt-tech-finance
doc_number: 浙科规〔{year}〕14号
title: 浙江省科技型中小企业科技信贷风险补偿办法
issuer: science
level: province
region_scope: ["33"]
issued_on: {issued}
effective_from: {issued}
free_application: false
exclusivity_groups: []
eligibility:
  all:
    - {{attr: tech_sme, op: is_true}}
    - {{attr: tax_credit_rating, op: in, value: [A, B]}}
benefits:
  - kind: loan_interest
    name: 科技信贷贴息
    amount: "min(revenue_wan * 0.002, 30)"
    cap_wan: 30
materials: [贷款合同, 付息凭证]
guide:
  steps: [线上申报, 合作银行审核, 省科技厅复核, 拨付]
  channel: 浙里办
  contact: 浙江省科学技术厅
""",
}


def _story(key: str, **values) -> str:
    return STORY[key].format(**values)


def _story_policies(as_of: dt.date) -> list[tuple[str, str, str, str, bool]]:
    """(YAML, department key, issuing authority, status, requires implementation)."""
    y = as_of.year
    province_issued = as_of - dt.timedelta(days=100)
    out = [
        (_story("rd", year=y, issued=as_of - dt.timedelta(days=200),
                until=dt.date(y + 2, 12, 31), deadline=dt.date(y + 1, 6, 30)),
         "science-technology", "杭州市科学技术局", PolicyStatus.IN_FORCE, False),
        (_story("health_draft", year=y, soon=as_of),
         "health", "杭州市卫生健康委员会", PolicyStatus.DRAFT, False),
        (_story("province", year=y, issued=province_issued, until=dt.date(y + 3, 12, 31)),
         "economy-it", "浙江省经济和信息化厅", PolicyStatus.IN_FORCE, True),
        (_story("city_impl", year=y, issued=province_issued + dt.timedelta(days=21),
                until=dt.date(y + 3, 12, 31)),
         "economy-it", "杭州市经济和信息化局", PolicyStatus.IN_FORCE, False),
    ]
    # 西湖区 on time, 滨江区 and 余杭区 late; every other district is overdue
    for number, (district, days) in enumerate((("330106", 45), ("330108", 72),
                                               ("330110", 81)), start=3):
        name = _district_name(district)
        out.append((_story("county_impl", district=district, district_short=name[:2],
                           district_name=name, year=y, number=number,
                           issued=province_issued + dt.timedelta(days=days),
                           until=dt.date(y + 3, 12, 31)),
                    "economy-it", f"杭州市{name}经济和信息化局", PolicyStatus.IN_FORCE, False))
    out.append((_story("province_new", year=y, issued=as_of - dt.timedelta(days=10)),
                "science-technology", "浙江省科学技术厅", PolicyStatus.IN_FORCE, True))
    return out


def _example_policies() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        d = yaml.safe_load(text)
        contact = (d.get("guide") or {}).get("contact", "")
        out.append((text, DEPARTMENT_OF.get(d["issuer"], "development-reform"), contact))
    return out


def _status_for(source: str, as_of: dt.date, rng) -> str:
    d = yaml.safe_load(source)
    end = d.get("effective_to")
    if end is not None and end < as_of:
        return PolicyStatus.EXPIRED
    r = rng.random()
    if r < 0.05:
        return PolicyStatus.DRAFT
    if r < 0.07:
        return PolicyStatus.REPEALED
    return PolicyStatus.IN_FORCE


def _set_status(policy: Policy, status: str, as_of: dt.date) -> None:
    if status == PolicyStatus.DRAFT:
        return
    if status == PolicyStatus.REPEALED:
        services.policy_set_status(policy=policy, by=None, status=status, review=False,
                                   rematch=False, as_of=as_of)
        return
    services.policy_set_status(policy=policy, by=None, status=PolicyStatus.IN_FORCE,
                               review=False, rematch=False, as_of=as_of)
    if status == PolicyStatus.EXPIRED:
        services.policy_set_status(policy=policy, by=None, status=status, review=False,
                                   rematch=False, as_of=as_of)


def load_policies(city: DemoCity, orgs: dict[str, Organisation],
                  as_of: dt.date | None = None) -> dict:
    """Load the demo's registry, policies, cascade and one match run (see the module doc).
    Returns the figures: profiles, policies (by status), matches, near misses, seconds."""
    import time

    t0 = time.perf_counter()
    as_of = as_of or timezone.localdate()
    created_profiles = 0
    if not Enterprise.objects.exists():
        frame = demo_registry(city, as_of=as_of)
        created_profiles, _updated, _pks = services.registry_load(frame)
        from cityops.core import audit

        audit.record(action="registry_import", object_type="policy.enterprise",
                     object_repr="demo registry", actor=None,
                     after={"file": "demo registry", "rows": frame.height,
                            "created": created_profiles, "updated": 0})
    by_uscc = {o.uscc: o for o in orgs.values() if o.kind == "enterprise"}
    for enterprise in Enterprise.objects.filter(uscc__in=list(by_uscc), organisation=None):
        enterprise.organisation = by_uscc[enterprise.uscc]
        enterprise.save(update_fields=["organisation", "updated_at"])

    created_policies = 0
    if not Policy.objects.exists():
        rng = np.random.default_rng(rng_for(city.seed, "policy-texts").randrange(2**31))
        years = as_of.year - synthetic.AS_OF.year
        specs = []  # (source, department key, authority, status, requires implementation)
        for source, dept, authority in _example_policies():
            specs.append((source, dept, authority, _status_for(source, as_of, rng), False))
        texts = synthetic.policies(N_POLICIES, rng_for(city.seed, "policies").randrange(2**31))
        # numbered from 31 so that the story's own 文号 (below 30) stay free
        for n, text in enumerate(texts, start=31):
            source, dept, authority = _hangzhou(text, rng, years, n, as_of)
            specs.append((source, dept, authority, _status_for(source, as_of, rng), False))
        specs += _story_policies(as_of)
        for source, dept, authority, status, requires in specs:
            policy = services.policy_save(by=None, source=source, issuer=orgs[dept],
                                          issuing_authority=authority,
                                          requires_implementation=requires)
            _set_status(policy, status, as_of)
            created_policies += 1
    run = MatchRun.objects.filter(kind="full").first()
    if run is None:
        run = services.match_run(by=None, as_of=as_of)
    counts = {s: Policy.objects.filter(status=s).count() for s in PolicyStatus.values}
    return {"profiles": Enterprise.objects.count(), "profiles_created": created_profiles,
            "policies": Policy.objects.count(), "policies_created": created_policies,
            "policies_by_status": counts, "matches": run.matches,
            "near_misses": run.near_misses, "notified": run.notified,
            "match_seconds": round(run.seconds, 2),
            "seconds": round(time.perf_counter() - t0, 2)}
