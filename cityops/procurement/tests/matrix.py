"""The procurement app's rows of the permission matrix (cityops/core/tests/test_permission_matrix.py
imports ``MATRIX`` and ``world``), and the builders the procurement tests share: processes
taken to each stage through the real services, with the clock moved by their ``at=``.

The world: the health department (bob) buys; sam and sue bid. One process at every stage:
planning, tendering (sam's bid still sealed), past its deadline, in evaluation, awarded with
sue's challenge pending, awarded and ready for a contract, a draft contract and a signed one
with a milestone and its payment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from cityops.demand.tests.matrix import approved, expect

CRITERIA = [
    {"key": "c1", "name": "技术方案", "name_en": "technical proposal", "weight": 0.4},
    {"key": "c2", "name": "实施与运维能力", "name_en": "delivery and operations", "weight": 0.3},
]
SCORES = {"c1": 80, "c2": 80}
# 102号令 art. 24: a term over one year needs all four.
FOUR_CONDITIONS = {"content_fixed": True, "continuity_strong": True, "funding_stable": True,
                   "prices_stable": True}


def ago(days: float = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days, hours=hours)


def ahead(days: float = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days, hours=hours)


def plan_fields(**overrides) -> dict:
    fields = {"title": "政务云平台购买服务", "category": "services", "method": "public_tender",
              "evaluation_method": "comprehensive", "price_weight": Decimal("0.30"),
              "criteria": CRITERIA, "standstill_days": 7}
    fields.update(overrides)
    return fields


def planned(personas, need=None, *, at=None, **overrides):
    from cityops.procurement import services

    need = need or approved(personas.dept, personas.admin)
    return services.procurement_plan(by=personas.dept, needs=[need], at=at or ago(40),
                                     **plan_fields(**overrides))


def tendering(personas, *, deadline=None, published=None, **overrides):
    """A published notice; by default taking bids for ten more days."""
    from cityops.procurement import services

    p = planned(personas, **overrides)
    return services.procurement_publish(procurement=p, by=personas.dept,
                                        bid_deadline=deadline or ahead(10),
                                        at=published or ago(30), notice="欢迎参加。")


def bid(p, user, price, *, at=None, proposal="技术方案"):
    from cityops.procurement import services

    return services.bid_submit(procurement=p, by=user, price_wan=Decimal(price),
                               at=at or ago(20), proposal=proposal)


def past_deadline(personas, prices=None, **overrides):
    """Bids in, deadline passed (ten days ago), not yet closed. ``prices``: {user: price}."""
    p = tendering(personas, deadline=ago(10), **overrides)
    prices = prices if prices is not None else {personas.supplier: "250",
                                                 personas.supplier2: "270"}
    for user, price in prices.items():
        bid(p, user, price)
    return p


def evaluating(personas, prices=None, scores=None, **overrides):
    """Bidding closed and every bid scored (the same points unless ``scores``: {user: {...}})."""
    from cityops.procurement import services
    from cityops.procurement.models import Bid

    p = past_deadline(personas, prices, **overrides)
    services.bidding_close(procurement=p, by=personas.dept, at=ago(9))
    scores = scores or {}
    if p.evaluation_method == "comprehensive" and p.criteria:
        for b in Bid.objects.filter(procurement=p).select_related("supplier"):
            user = next((u for u in (personas.supplier, personas.supplier2)
                         if u.organisation_id == b.supplier_id), None)
            services.bid_score(bid=b, by=personas.dept,
                               technical_scores=scores.get(user, SCORES))
    p.refresh_from_db()
    return p


def awarded(personas, prices=None, *, at=None, **overrides):
    """Awarded to the first-ranked bid; by default eight days ago with a 7-day standstill,
    so the standstill is over."""
    from cityops.procurement import services

    p = evaluating(personas, prices, **overrides)
    award = services.procurement_award(procurement=p, by=personas.dept, at=at or ago(8))
    p.refresh_from_db()
    return p, award


def one_year(start: dt.date) -> dt.date:
    """The last day of a one-year term starting on ``start``."""
    try:
        return start.replace(year=start.year + 1) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return dt.date(start.year + 1, 2, 28)


def contract_fields(**overrides) -> dict:
    start = timezone.localdate() + dt.timedelta(days=1)
    fields = {
        "start_on": start,
        "end_on": one_year(start),
        "content": "政务云计算、存储、网络资源及安全运维服务",
        "quantity": "按需求清单与服务包约定", "quality": "月可用性不低于 99.9%",
        "settlement": "按里程碑验收付款", "rights_obligations": "按采购文件及投标承诺执行",
        "liability": "服务不达标按合同约定扣减费用", "deposit_ratio": Decimal("0.05"),
    }
    fields.update(overrides)
    return fields


def milestones_for(start: dt.date, shares=("0.3", "0.7")) -> list[dict]:
    return [{"title": f"里程碑{n}", "due_on": start + dt.timedelta(days=60 * n),
             "share": Decimal(s)} for n, s in enumerate(shares, 1)]


def drafted(personas, prices=None, *, milestones=None, items=(), **fields):
    from cityops.procurement import services

    p, _award = awarded(personas, prices)
    f = contract_fields(**fields)
    return services.contract_create(
        procurement=p, by=personas.dept, items=items,
        milestones=milestones if milestones is not None else milestones_for(f["start_on"]),
        **f)


def signed(personas, prices=None, **fields):
    from cityops.procurement import services

    c = drafted(personas, prices, **fields)
    return services.contract_sign(contract=c, by=personas.dept)


# -- the matrix ----------------------------------------------------------------------------------

READERS = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                 auditor=200, supplier=200, anonymous=302)
API_READERS = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                     auditor=200, supplier=200)
BUYER_POST = expect(403, platform_admin=302, department_officer=302, anonymous=302)
SUPPLIER_POST = expect(403, supplier=302, anonymous=302)
GOVERNMENT_ONLY = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                         auditor=200, supplier=404, anonymous=302)
# The admin goes first and takes the step; the buyer department is let in but finds the step
# already taken (409: a state refusal, not a permission refusal).
API_BUYER_STEP = expect(403, platform_admin=200, department_officer=409)
PUBLIC = expect(200)


def _iso(value: dt.datetime) -> str:
    return value.isoformat()


def _new_plan(role, personas, world):
    from cityops.demand.models import Need

    if role in ("platform_admin", "department_officer"):
        need = approved(personas.dept, personas.admin, title=f"矩阵采购{role}")
    else:
        need = Need.objects.get(pk=world["approved_need"])
    return {"needs": [need.pk], "title": f"矩阵采购{role}", "category": "services",
            "method": "public_tender", "evaluation_method": "lowest_price",
            "price_weight": "1.000"}


def _new_contract(role, personas, world):
    pk = world["ready"]
    if role in ("platform_admin", "department_officer"):
        pk = awarded(personas)[0].pk
    body = {k: (str(v) if not isinstance(v, bool | str) else v)
            for k, v in contract_fields().items()}
    start = dt.date.fromisoformat(body["start_on"])
    body["milestones"] = [{"title": m["title"], "due_on": str(m["due_on"]),
                           "share": str(m["share"])} for m in milestones_for(start)]
    return {"procurement": pk, **body}


MATRIX = {
    "procurement:list": ("get", "/procurement/", None, READERS),
    "procurement:plan": ("get", "/procurement/plan/", None,
                         expect(403, platform_admin=200, department_officer=200,
                                anonymous=302)),
    "procurement:detail": ("get", "/procurement/{tendering}/", None, READERS),
    # A plan is not published: suppliers do not see it.
    "procurement:detail:planning": ("get", "/procurement/{planning}/", None, GOVERNMENT_ONLY),
    "procurement:edit": ("get", "/procurement/{planning}/edit/", None,
                         expect(403, platform_admin=200, department_officer=200,
                                anonymous=302)),
    "procurement:bid-submit": ("post", "/procurement/{tendering}/bid/", {"price_wan": "260"},
                               SUPPLIER_POST),
    "procurement:challenge-file": ("post", "/procurement/{tendering}/challenge/",
                                   {"grounds": "资格条件设置不合理"}, SUPPLIER_POST),
    "procurement:action": ("post", "/procurement/{planning}/do/publish/",
                           lambda r, p, w: {"bid_deadline": ahead(12).strftime("%Y-%m-%d %H:%M")},
                           BUYER_POST),
    "procurement:bid-score": ("post", "/procurement/bids/{bid}/score/", SCORES, BUYER_POST),
    "procurement:challenge-decide": ("post", "/procurement/challenges/{challenge}/decide/",
                                     {"upheld": "0", "outcome": "评分符合招标文件"},
                                     BUYER_POST),
    "procurement:contract-list": ("get", "/procurement/contracts/", None, READERS),
    "procurement:contract-detail": ("get", "/procurement/contracts/{contract}/", None, READERS),
    # A draft contract is the buyer's until signed.
    "procurement:contract-detail:draft": ("get", "/procurement/contracts/{draft_contract}/",
                                          None, GOVERNMENT_ONLY),
    "procurement:contract-action": ("post", "/procurement/contracts/{draft_contract}/do/sign/",
                                    None, BUYER_POST),
    "procurement:milestone-accept": ("post", "/procurement/milestones/{milestone}/accept/",
                                     None, BUYER_POST),
    "procurement:payment-pay": ("post", "/procurement/payments/{payment}/pay/", None,
                                expect(403, platform_admin=302, finance_officer=302,
                                       anonymous=302)),
    # -- API
    "procurement-list": ("get", "/api/v1/procurements/", None, API_READERS),
    "procurement-list:post": ("post", "/api/v1/procurements/", _new_plan,
                              expect(403, platform_admin=201, department_officer=201)),
    "procurement-detail": ("get", "/api/v1/procurements/{tendering}/", None, API_READERS),
    "procurement-detail:planning": ("get", "/api/v1/procurements/{planning}/", None,
                                    expect(403, platform_admin=200, department_officer=200,
                                           finance_officer=200, auditor=200, supplier=404)),
    "procurement-publish": ("post", "/api/v1/procurements/{planning}/publish/",
                            lambda r, p, w: {"bid_deadline": _iso(ahead(12))}, API_BUYER_STEP),
    "procurement-close-bidding": ("post", "/api/v1/procurements/{closable}/close-bidding/",
                                  None, API_BUYER_STEP),
    "procurement-evaluate": ("post", "/api/v1/procurements/{evaluating}/evaluate/", None,
                             expect(403, platform_admin=200, department_officer=200)),
    "procurement-award": ("post", "/api/v1/procurements/{evaluating}/award/", None,
                          API_BUYER_STEP),
    "procurement-cancel": ("post", "/api/v1/procurements/{planning}/cancel/",
                           {"reason": "需求变更"}, API_BUYER_STEP),
    "procurement-bids": ("get", "/api/v1/procurements/{evaluating}/bids/", None, API_READERS),
    "procurement-bids:post": ("post", "/api/v1/procurements/{tendering}/bids/",
                              {"price_wan": "260", "proposal": "方案"},
                              expect(403, supplier=201)),
    "procurement-challenge": ("post", "/api/v1/procurements/{tendering}/challenge/",
                              {"grounds": "资格条件设置不合理"}, expect(403, supplier=201)),
    "bid-list": ("get", "/api/v1/bids/", None, API_READERS),
    "bid-detail": ("get", "/api/v1/bids/{bid}/", None, API_READERS),
    # sue's bid: sam never sees it, nor its score.
    "bid-detail:competitor": ("get", "/api/v1/bids/{bid2}/", None,
                              expect(403, platform_admin=200, department_officer=200,
                                     finance_officer=200, auditor=200, supplier=404)),
    # Sealed until bidding closes: only the bidder sees its bid.
    "bid-detail:sealed": ("get", "/api/v1/bids/{sealed_bid}/", None,
                          expect(403, platform_admin=404, department_officer=404,
                                 finance_officer=404, auditor=404, supplier=200)),
    "bid-score": ("post", "/api/v1/bids/{bid}/score/", {"technical_scores": SCORES},
                  expect(403, platform_admin=200, department_officer=200)),
    "challenge-list": ("get", "/api/v1/challenges/", None, API_READERS),
    # sue's challenge: the buyer and the government roles see it, sam does not.
    "challenge-detail": ("get", "/api/v1/challenges/{challenge}/", None,
                         expect(403, platform_admin=200, department_officer=200,
                                finance_officer=200, auditor=200, supplier=404)),
    "challenge-decide": ("post", "/api/v1/challenges/{challenge}/decide/",
                         {"upheld": False, "outcome": "评分符合招标文件"}, API_BUYER_STEP),
    "contract-list": ("get", "/api/v1/contracts/", None, API_READERS),
    "contract-list:post": ("post", "/api/v1/contracts/", _new_contract,
                           expect(403, platform_admin=201, department_officer=201)),
    "contract-detail": ("get", "/api/v1/contracts/{contract}/", None, API_READERS),
    "contract-detail:draft": ("get", "/api/v1/contracts/{draft_contract}/", None,
                              expect(403, platform_admin=200, department_officer=200,
                                     finance_officer=200, auditor=200, supplier=404)),
    "contract-sign": ("post", "/api/v1/contracts/{draft_contract}/sign/", None, API_BUYER_STEP),
    "contract-amend": ("post", "/api/v1/contracts/{contract}/amend/",
                       {"reason": "新增接入点", "amount_wan": "252"},
                       expect(403, platform_admin=200, department_officer=200)),
    # Open contracting: the published data is for everyone, logged in or not.
    "api-ocds-package": ("get", "/api/v1/ocds/releases/", None, PUBLIC),
    "api-ocds-record": ("get", "/api/v1/ocds/records/{ocid}/", None, PUBLIC),
}


def world(personas, world) -> dict:
    from cityops.procurement.models import Bid

    planning = planned(personas)
    open_ = tendering(personas)
    sealed = bid(open_, personas.supplier, "255", at=ago(1))
    closable = past_deadline(personas)
    evaluation = evaluating(personas)
    challenged, _award = awarded(personas, at=ago(0, hours=1))
    from cityops.procurement import services

    challenge = services.challenge_file(procurement=challenged, by=personas.supplier2,
                                        grounds="对技术评分提出质疑")
    ready, _award = awarded(personas)
    draft_contract = drafted(personas)
    contract = signed(personas)
    milestone = contract.milestones.order_by("due_on").first()
    services.milestone_accept(milestone=milestone, by=personas.dept)
    return {
        "planning": planning.pk,
        "approved_need": approved(personas.dept, personas.admin, title="待采购需求").pk,
        "tendering": open_.pk,
        "sealed_bid": sealed.pk,
        "closable": closable.pk,
        "evaluating": evaluation.pk,
        "bid": Bid.objects.get(procurement=evaluation, supplier=personas.supplier_org).pk,
        "bid2": Bid.objects.get(procurement=evaluation, supplier=personas.supplier2_org).pk,
        "challenge": challenge.pk,
        "ready": ready.pk,
        "draft_contract": draft_contract.pk,
        "contract": contract.pk,
        "milestone": milestone.pk,
        "payment": milestone.payments.get().pk,
        "ocid": open_.ocid,
    }
