"""The demo city's demand and contracting: supplier profiles, the 137 needs, their review,
procurements at every stage, contracts with milestones and payments.

Everything goes through the services, as the people of the demo city would, with the
timestamps of a simulated two years (2025-01 .. DEMO_TODAY): steps that would fall after
DEMO_TODAY are not taken, so the processes filed last are still under way. The review and
procurement delays shrink over the two years (the platform at work: Hangzhou reports a 60%
shorter demand-response cycle), so the cycle chart tells that story.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from cityops.core.models import Organisation, User

from .generator import DemoCity, rng_for

DEMO_TODAY = dt.date(2026, 11, 24)
TZ = ZoneInfo("Asia/Shanghai")
START = dt.date(2025, 1, 1)
CRITERIA = [
    {"key": "c1", "name": "技术方案", "name_en": "technical proposal", "weight": 0.4},
    {"key": "c2", "name": "实施与运维能力", "name_en": "delivery and operations", "weight": 0.2},
    {"key": "c3", "name": "业绩与资质", "name_en": "references and qualifications",
     "weight": 0.1},
]


# The Haidian government-cloud purchases of cases.yaml (haidian-gov-cloud-2020), filed here by
# the data bureau: they go the whole way to a contract, as they did in Haidian.
HAIDIAN = ("政务云平台购买服务", "政务云平台网络安全监测服务", "等级保护测评（10个二级系统）",
           "备份云服务")


def _haidian(title: str) -> bool:
    return any(title.startswith(h) for h in HAIDIAN)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def _speed(day: dt.date) -> float:
    """1.0 at the start of 2025, 0.4 by late 2026: delays shrink as the platform beds in."""
    progress = min(1.0, max(0.0, (day - START).days / (DEMO_TODAY - START).days))
    return 1.0 - 0.6 * progress


def _method(budget: Decimal) -> tuple[str, str]:
    if budget >= 200:
        return "public_tender", ""
    if budget >= 100:
        return "competitive_consultation", "purchase_of_services"
    return "self_purchase", ""


@transaction.atomic
def load_contracting(city: DemoCity, orgs: dict[str, Organisation]) -> dict:
    """Profiles, needs and processes; skipped when needs exist (idempotent)."""
    from cityops.demand.models import Need, SupplierProfile

    if Need.objects.exists():
        return {"needs": 0, "procurements": 0, "contracts": 0}
    _load_profiles(city, orgs)
    counts = _load_needs_and_processes(city, orgs)
    assert SupplierProfile.objects.count() > 0
    return counts


def _load_profiles(city: DemoCity, orgs: dict[str, Organisation]) -> None:
    from cityops.demand import services as demand

    from .demand import generate_capabilities

    for cap in generate_capabilities(city):
        supplier = orgs[cap.id]
        profile = demand.profile_save(
            supplier=supplier, by=None, capabilities=cap.capabilities, tags=list(cap.tags),
            regions_served=[r for r in cap.regions_served if r], capacity_wan=cap.capacity_wan)
        for q in cap.qualifications:
            demand.qualification_add(profile=profile, by=None, kind=q.kind, level=q.level,
                                     certificate_no=f"{q.kind.upper()}-{supplier.uscc[-8:]}",
                                     expires_on=q.expires_on or dt.date(2028, 12, 31))
        for n, title in enumerate(cap.references[:3]):
            demand.reference_add(profile=profile, by=None, title=title, client="",
                                 year=2021 + n, amount_wan=Decimal(50 + 40 * n))


def _users(city: DemoCity) -> dict[str, list[User]]:
    by_org: dict[str, list[User]] = {}
    users = {u.username: u for u in User.objects.filter(
        username__in=[d.username for d in city.users if d.org_key])}
    for d in city.users:
        if d.org_key and d.username in users:
            by_org.setdefault(d.org_key, []).append(users[d.username])
    return by_org


def _officer(users, key, role="department_officer"):
    return next((u for u in users.get(key, []) if u.role == role), None)


def _load_needs_and_processes(city: DemoCity, orgs: dict[str, Organisation]) -> dict:
    from cityops.demand import services as demand
    from cityops.demand.models import Need, NeedStatus

    from .demand import generate_needs

    generated = generate_needs(city)
    texts = generated[0] if isinstance(generated, tuple) else generated
    rng = rng_for(city.seed, "contracting")
    users = _users(city)
    admin = User.objects.get(username="admin")
    needs: list[tuple[Need, object]] = []
    for t in sorted(texts, key=lambda t: (t.filed_on, t.id)):
        officer = _officer(users, t.department)
        created = _at(t.filed_on, 9)
        need = demand.need_create(
            by=officer, department=orgs[t.department], at=created, title=t.title,
            description=t.description, tags=list(t.tags), category=t.category,
            region_code=t.region_code, technical_standard=t.technical_standard or "GB/T 22239-2019",
            implementation_days=max(1, t.implementation_days), budget_wan=t.budget_wan,
            availability_pct=t.availability_pct, response_minutes=max(1, t.response_minutes),
            data_interfaces=t.data_interfaces, security_level=t.security_level,
            user_scale=t.user_scale, integration_points=t.integration_points,
            xinchuang_required=t.xinchuang_required,
            acceptance_criteria=t.acceptance_criteria or "按合同约定的服务水平验收",
            operations_months=t.operations_months)
        needs.append((need, t))

    counts = {"needs": len(needs), "procurements": 0, "contracts": 0}
    # Drafts: the newest few needs are still being written.
    in_review = []
    for i, (need, t) in enumerate(needs):
        if not _haidian(t.title) and (t.filed_on > DEMO_TODAY - dt.timedelta(days=6)
                                      or i % 29 == 7):
            continue  # still a draft
        officer = _officer(users, t.department)
        speed = _speed(t.filed_on)
        submitted = _at(t.filed_on, 11)
        demand.need_submit(need=need, by=officer, at=submitted, detect=False)
        review_day = t.filed_on + dt.timedelta(days=max(1, round(rng.uniform(4, 14) * speed)))
        if review_day > DEMO_TODAY:
            continue  # awaiting review
        in_review.append((need, t, review_day))

    # Duplicate detection over everything submitted, as the bureau's nightly job would.
    demand.duplicates_detect(at=_at(DEMO_TODAY - dt.timedelta(days=1), 2))
    from cityops.demand.models import DuplicateFlag

    merged_away: set[int] = set()
    flags = list(DuplicateFlag.objects.order_by("-similarity"))
    for n, flag in enumerate(flags):
        if n % 2 == 1 or flag.need_a_id in merged_away or flag.need_b_id in merged_away:
            continue  # half stay open for the bureau to decide in the demo
        keep, other = Need.objects.get(pk=flag.need_a_id), Need.objects.get(pk=flag.need_b_id)
        if _haidian(other.title):
            keep, other = other, keep
        if keep.status != NeedStatus.SUBMITTED or other.status != NeedStatus.SUBMITTED:
            continue
        day = max(keep.submitted_at, other.submitted_at) + dt.timedelta(days=2)
        if day.date() > DEMO_TODAY:
            continue
        demand.need_merge(need=other, into=keep, by=admin, at=day,
                          comment="两部门需求一致，合并为一次集约化采购")
        merged_away.add(other.pk)

    to_procure = []
    for i, (need, t, review_day) in enumerate(in_review):
        need.refresh_from_db()
        if need.status != NeedStatus.SUBMITTED:
            continue
        if i % 17 == 5 and not _haidian(need.title):
            demand.need_return(need=need, by=admin, at=_at(review_day),
                               comment="请补充数据接口清单和验收指标的量化值")
            continue
        demand.need_approve(need=need, by=admin, at=_at(review_day), comment="同意")
        to_procure.append((need, t, review_day))

    stages = ["tendering", "evaluation", "awarded", "tendering", "planning"]
    for i, (need, t, review_day) in enumerate(to_procure):
        if i % 11 == 3 and not _haidian(need.title):
            continue  # approved, waiting for its procurement plan
        stop = None
        if i % 10 == 7 and not _haidian(need.title):
            # A slow department: its process is still under way today, at a given stage.
            stop = stages[(i // 10) % len(stages)]
            review_day = max(review_day, DEMO_TODAY - dt.timedelta(days=45))
        counts["procurements"] += 1
        counts["contracts"] += _run_process(need, t, review_day, i, rng, orgs, users, admin,
                                            stop=stop)
    return counts


def _run_process(need, t, review_day, i, rng: random.Random, orgs, users, admin,
                 stop: str | None = None) -> int:
    """Plan → notice → bids → evaluation → award → standstill → contract, until DEMO_TODAY."""
    from cityops.demand.facts import need_text, supplier_capabilities
    from cityops.demand.matching.rank import rank_suppliers
    from cityops.procurement import services as proc

    officer = _officer(users, t.department)
    speed = _speed(t.filed_on)

    def day_after(base: dt.date, lo: float, hi: float) -> dt.date:
        return base + dt.timedelta(days=max(1, round(rng.uniform(lo, hi) * speed)))

    planned = day_after(review_day, 5, 20) if stop is None else review_day + dt.timedelta(days=2)
    if planned > DEMO_TODAY:
        return 0
    method, justification = _method(need.budget_wan)
    p = proc.procurement_plan(
        by=officer, needs=[need], at=_at(planned), title=need.title,
        description=need.description[:500], category="services", method=method,
        justifications=justification, evaluation_method="comprehensive",
        price_weight=Decimal("0.30"), criteria=CRITERIA, budget_year=planned.year)
    if any(f["severity"] == "block" for f in p.findings):
        # The rule check refused the method (e.g. splitting below the tender threshold): the
        # officer does what it says and tenders publicly.
        p = proc.procurement_update(procurement=p, by=officer, method="public_tender",
                                    justifications="")
        if any(f["severity"] == "block" for f in p.findings):
            return 0
        method = "public_tender"
    if stop == "planning":
        return 0
    published = day_after(planned, 3, 12) if stop is None else planned + dt.timedelta(days=2)
    if published > DEMO_TODAY:
        return 0
    deadline = published + dt.timedelta(days=20 if method == "public_tender" else 10)
    if stop == "tendering":
        deadline = max(deadline, DEMO_TODAY + dt.timedelta(days=9))
    p = proc.procurement_publish(procurement=p, by=officer, at=_at(published),
                                 bid_deadline=_at(deadline, 9),
                                 notice=f"{need.department.name}就“{need.title}”进行采购，"
                                        f"欢迎符合条件的供应商参加。")
    if i % 23 == 9 and not _haidian(need.title):
        proc.procurement_cancel(procurement=p, by=officer, at=_at(published + dt.timedelta(days=3)),
                                reason="需求部门机构调整，采购需求发生重大变化")
        return 0
    # Bidders: the best-ranked eligible suppliers for the need.
    caps = supplier_capabilities()
    ranked = [m for m in rank_suppliers(need_text(need), caps, top=8) if m.eligible][:5]
    if len(ranked) < 3:
        ranked = rank_suppliers(need_text(need), caps, top=5)
    by_pk = {o.pk: o for o in orgs.values()}
    for n, m in enumerate(ranked):
        bid_day = published + dt.timedelta(days=1 + n)
        if bid_day > DEMO_TODAY or bid_day >= deadline:
            break
        price = (need.budget_wan * Decimal(str(round(rng.uniform(0.8, 0.99), 3)))).quantize(
            Decimal("0.01"))
        proc.bid_submit(procurement=p, by=None, supplier=by_pk[int(m.supplier_id)],
                        price_wan=price, at=_at(bid_day, 15),
                        proposal=f"针对“{need.title}”的技术方案与服务承诺。")
    if deadline >= DEMO_TODAY or not p.bids.exists():
        return 0
    proc.bidding_close(procurement=p, by=officer, at=_at(deadline, 10))
    for bid in p.bids.all():
        proc.bid_score(bid=bid, by=officer, technical_scores={
            c["key"]: round(rng.uniform(62, 96), 1) for c in CRITERIA})
    awarded = deadline + dt.timedelta(days=max(1, round(3 * speed)))
    if awarded > DEMO_TODAY or stop == "evaluation":
        proc.procurement_evaluate(procurement=p, by=officer)
        return 0
    award = proc.procurement_award(procurement=p, by=officer, at=_at(awarded))
    losers = list(p.bids.exclude(pk=award.bid_id))
    if i % 19 == 4 and losers:
        loser = losers[0]
        ch = proc.challenge_file(procurement=p, by=_supplier_user(users, loser),
                                 grounds="对技术评分的合理性提出质疑，请求复核评分过程。",
                                 at=_at(awarded + dt.timedelta(days=2)))
        proc.challenge_decide(challenge=ch, by=officer, upheld=False,
                              outcome="经复核，评分符合招标文件规定，质疑不成立。",
                              at=_at(awarded + dt.timedelta(days=5)))
    signed = awarded + dt.timedelta(days=p.standstill_days + max(1, round(rng.uniform(2, 10)
                                                                          * speed)))
    if signed > DEMO_TODAY or stop == "awarded":
        return 0
    start = signed + dt.timedelta(days=1)
    end = dt.date(start.year + 1, start.month, start.day) - dt.timedelta(days=1) \
        if not (start.month == 2 and start.day == 29) else dt.date(start.year + 1, 2, 28)
    long_term = "监测" in need.title or i % 13 == 0
    mid = start + (end - start) / 2
    c = proc.contract_create(
        procurement=p, by=officer, at=_at(signed, 9), title=need.title, start_on=start,
        end_on=end, content=need.description, quantity="按需求清单与服务包约定",
        quality=need.acceptance_criteria, settlement="按里程碑验收付款，并与服务效能指数挂钩",
        rights_obligations="按采购文件及投标承诺执行", liability="服务不达标按合同约定扣减费用",
        deposit_ratio=Decimal("0.05"), content_fixed=long_term, continuity_strong=long_term,
        funding_stable=long_term, prices_stable=long_term, renewals_max=2 if long_term else 0,
        operation_object=need.category,
        items=[{"tier": "base", "name": "基础服务（建设与运维）", "unit": "年",
                "unit_price_wan": award.amount_wan * Decimal("0.85"), "quantity": Decimal(1)},
               {"tier": "value_added", "name": "增值服务（数据分析报告）", "unit": "份",
                "unit_price_wan": (award.amount_wan * Decimal("0.0125")).quantize(
                    Decimal("0.0001")), "quantity": Decimal(12),
                "bands": []}],
        milestones=[{"title": "上线试运行验收", "due_on": start + dt.timedelta(days=60),
                     "share": Decimal("0.3")},
                    {"title": "中期运维考核", "due_on": mid, "share": Decimal("0.4")},
                    {"title": "期末验收", "due_on": end, "share": Decimal("0.3")}])
    proc.contract_sign(contract=c, by=officer, at=_at(signed, 15))
    finance = User.objects.filter(role="finance_officer").order_by("username").first()
    for m in c.milestones.all():
        if m.due_on > DEMO_TODAY:
            break
        late = rng.random() < 0.15
        accepted_on = m.due_on + dt.timedelta(days=rng.randint(5, 30) if late else 0)
        if accepted_on > DEMO_TODAY:
            break
        proc.milestone_accept(milestone=m, by=officer, on=accepted_on)
        pay = m.payments.first()
        paid_on = accepted_on + dt.timedelta(days=rng.randint(5, 20))
        if pay and paid_on <= DEMO_TODAY:
            proc.payment_mark_paid(payment=pay, by=finance, on=paid_on)
    if i % 8 == 2:
        proc.contract_amend(contract=c, by=officer, at=_at(start + dt.timedelta(days=90)),
                            amount_wan=(c.amount_wan * Decimal("1.06")).quantize(Decimal("0.01")),
                            reason="新增两个区县接入点，服务量增加（补充协议）")
    if end < DEMO_TODAY:
        if c.renewals_max:
            new = proc.contract_renew(contract=c, by=officer, at=_at(end - dt.timedelta(days=20)))
            proc.contract_sign(contract=new, by=officer, at=_at(end - dt.timedelta(days=10)))
        proc.contract_close(contract=c, by=officer, at=_at(end + dt.timedelta(days=1)))
    return 1


def _supplier_user(users, bid):
    for us in users.values():
        for u in us:
            if u.role == "supplier" and u.organisation_id == bid.supplier_id:
                return u
    return None
