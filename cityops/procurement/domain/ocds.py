"""OCDS 1.1.5 releases, records and packages from plain data: pure Python, no Django.

A contracting process (``ContractingProcess``: frozen dataclasses filled from the database)
publishes one release per stage it has reached, in date order (``releases_for``):

==================  ===========================================================================
tag                 when, and what the release carries
==================  ===========================================================================
planning            the plan: ``planning`` (rationale, budget) and a ``tender`` in status
                    ``planned`` whose items are the needs the purchase came from
tender              the notice: the tender, status ``active``
tenderAmendment     each change to the notice: ``tender.amendments`` (with rationale) and the
                    changed fields (a later deadline, a new value)
tenderUpdate        each challenge (质疑), when lodged and when decided: see below
tenderCancellation  cancellation: tender status ``cancelled``, the reason as a document of type
                    ``cancellationDetails``
award               each award: the award (value, suppliers); the tender ``complete`` with
                    ``numberOfTenderers`` and ``tenderers``
awardUpdate         an award cancelled later (e.g. a challenge upheld): award status cancelled
contract            each signed contract: period, value, dateSigned, milestones (scheduled)
contractAmendment   each amendment: ``contracts[].amendments`` (rationale) and the new value/period
implementation      payments so far as ``implementation.transactions`` and milestones met (one
                    release per contract, dated at its latest payment or acceptance)
contractTermination the contract closed (completed or terminated early): status ``terminated``
==================  ===========================================================================

Decisions (documented because OCDS leaves them to the publisher):

- **Identifiers.** Release ids are ``<ocid>-<tag>-<n>`` (n counts that tag within the process);
  organisations are identified by their 统一社会信用代码 under the scheme ``CN-USCC``, party id
  ``CN-USCC-<code>``. Items are classified with the Chinese government-procurement catalogue
  (《政府采购品目分类目录》), scheme ``CN-GPC``, codes such as ``C16`` (information technology
  services) or ``A02`` (equipment): CPV is not used in Chinese procurement.
- **Money.** Our amounts are 万元; OCDS amounts are in currency units: × 10,000, CNY, rounded to
  the fen (0.01 yuan).
- **Dates** are timezone-aware ISO 8601 at +08:00 (China Standard Time has had no daylight
  saving since 1991, so a fixed offset is exact); a naive datetime is refused. A date-only
  period starts at 00:00:00 and ends at 23:59:59 of its day. ``language`` is ``zh``.
- **Methods.** public tender → ``open``; invited tender → ``selective``; competitive
  negotiation, competitive consultation, request for quotation → ``limited``; single source and
  self-purchase → ``direct``; framework agreement → ``open`` (its first stage is an open
  solicitation). ``procurementMethodDetails`` gives the Chinese name.
- **Bids.** The bid extension is not core, so bids are not published: ``numberOfTenderers`` and
  ``tenderers`` appear from the award on; losing bidders' prices never appear; the awarded
  value and suppliers appear in ``awards``.
- **Challenges (质疑)** have no place in the core schema. Each is published as a
  ``tenderUpdate`` release adding a tender document of type ``complaints`` (a code of the
  documentType codelist): who challenged, what, and, in a second ``tenderUpdate`` when decided,
  the outcome (the same document id, so the compiled record keeps the latest wording).
- **Milestones.** The 1.1.5 core has ``contracts[].milestones`` (planned, ``scheduled``) and
  ``contracts[].implementation.milestones``; we publish the planned milestones on the contract
  and update their status to ``met`` with ``dateMet`` in the implementation release.
- **Payer.** Payments (国库集中支付) are published with the buyer as payer unless another payer
  is named.

``compile_record`` follows the OCDS merge rules: releases in date order, later values overwrite
earlier ones, objects merge field by field, arrays of objects with ``id`` merge by id, other
arrays (and the whole-list-merge fields) are replaced, ``null`` removes a field; the release's
own ``id``, ``date`` and ``tag`` are omitted and the compiled release gets ``tag: ["compiled"]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import ProcurementInputError
from .rules import Category, Method

CST = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
OCDS_VERSION = "1.1"  # major.minor, as packages state it; the schemas are 1.1.5
CURRENCY = "CNY"
IDENTIFIER_SCHEME = "CN-USCC"  # 统一社会信用代码 (GB 32100)
CLASSIFICATION_SCHEME = "CN-GPC"  # 政府采购品目分类目录
LANGUAGE = "zh"
WAN = Decimal(10_000)
FEN = Decimal("0.01")

METHODS: Mapping[Method, tuple[str, str]] = {
    Method.PUBLIC_TENDER: ("open", "公开招标"),
    Method.INVITED_TENDER: ("selective", "邀请招标"),
    Method.COMPETITIVE_NEGOTIATION: ("limited", "竞争性谈判"),
    Method.COMPETITIVE_CONSULTATION: ("limited", "竞争性磋商"),
    Method.SINGLE_SOURCE: ("direct", "单一来源采购"),
    Method.REQUEST_FOR_QUOTATION: ("limited", "询价"),
    Method.FRAMEWORK_AGREEMENT: ("open", "框架协议采购"),
    Method.SELF_PURCHASE: ("direct", "限额标准以下自行采购"),
}
AWARD_CRITERIA = {
    "comprehensive": ("ratedCriteria", "综合评分法"),
    "lowest_price": ("priceOnly", "最低评标价法"),
}

# OCDS 1.1.5 merge: fields replaced whole, and the release's own fields omitted when merged
WHOLE_LIST_MERGE = frozenset({"additionalIdentifiers", "additionalClassifications"})
OMIT_WHEN_MERGED = frozenset({"id", "date", "tag"})


# ---------------------------------------------------------------------------------------------
# What the lead fills from the database


@dataclass(frozen=True)
class Organisation:
    name: str
    uscc: str  # 统一社会信用代码, 18 characters
    region: str = ""  # e.g. 北京市海淀区
    contact_name: str = ""
    contact_email: str = ""
    contact_telephone: str = ""

    @property
    def party_id(self) -> str:
        return f"{IDENTIFIER_SCHEME}-{self.uscc}"


@dataclass(frozen=True)
class Item:
    id: str
    description: str
    classification_code: str = ""  # CN-GPC, e.g. "C16"
    classification_description: str = ""  # e.g. 信息技术服务
    quantity: Decimal | None = None
    unit_name: str = ""  # e.g. 项, 套, TB


@dataclass(frozen=True)
class Planning:
    date: dt.datetime  # when the plan was published
    budget_amount_wan: Decimal
    rationale: str
    budget_id: str = ""
    budget_description: str = ""
    project: str = ""
    needs: tuple[Item, ...] = ()  # the needs the purchase came from


@dataclass(frozen=True)
class TenderAmendment:
    id: str
    date: dt.datetime
    rationale: str
    description: str = ""
    new_tender_end: dt.datetime | None = None  # an extended deadline
    new_value_wan: Decimal | None = None


@dataclass(frozen=True)
class Challenge:
    """A supplier's challenge (质疑) and its outcome."""

    id: str
    date: dt.datetime  # lodged
    supplier: Organisation
    grounds: str
    outcome: str = ""  # "upheld" or "dismissed"; "" while pending
    outcome_description: str = ""
    decided_at: dt.datetime | None = None


@dataclass(frozen=True)
class Tender:
    id: str
    title: str
    date: dt.datetime  # the notice's publication
    method: Method
    category: Category
    value_wan: Decimal  # the budget or ceiling price
    tender_start: dt.datetime
    tender_end: dt.datetime  # the bid deadline
    description: str = ""
    items: tuple[Item, ...] = ()  # default: the planning needs
    evaluation: str = "comprehensive"  # or "lowest_price"
    award_criteria_details: str = ""  # e.g. 价格权重 30%，技术 50%，商务 20%
    method_rationale: str = ""  # why this method (the stated conditions)
    procuring_entity: Organisation | None = None  # a procurement agency; None: the buyer
    amendments: tuple[TenderAmendment, ...] = ()
    challenges: tuple[Challenge, ...] = ()
    tenderers: tuple[Organisation, ...] = ()  # everyone who bid: published from the award on
    cancelled_at: dt.datetime | None = None
    cancellation_reason: str = ""


@dataclass(frozen=True)
class Award:
    id: str
    date: dt.datetime
    value_wan: Decimal
    suppliers: tuple[Organisation, ...]
    title: str = ""
    cancelled_at: dt.datetime | None = None
    cancellation_reason: str = ""


@dataclass(frozen=True)
class ContractMilestone:
    id: str
    title: str
    due_date: dt.date
    met_on: dt.date | None = None  # accepted
    description: str = ""  # the acceptance criterion


@dataclass(frozen=True)
class Payment:
    id: str
    date: dt.datetime
    amount_wan: Decimal


@dataclass(frozen=True)
class ContractAmendment:
    id: str
    date: dt.datetime
    rationale: str
    description: str = ""
    new_value_wan: Decimal | None = None
    new_end: dt.date | None = None


@dataclass(frozen=True)
class Contract:
    id: str
    award_id: str
    title: str
    date_signed: dt.datetime
    start: dt.date
    end: dt.date
    value_wan: Decimal
    description: str = ""
    milestones: tuple[ContractMilestone, ...] = ()
    payments: tuple[Payment, ...] = ()
    amendments: tuple[ContractAmendment, ...] = ()
    closed_at: dt.datetime | None = None  # completed or terminated


@dataclass(frozen=True)
class ContractingProcess:
    ocid: str
    buyer: Organisation
    planning: Planning | None = None
    tender: Tender | None = None
    awards: tuple[Award, ...] = ()
    contracts: tuple[Contract, ...] = ()
    payer: Organisation | None = None  # default: the buyer


@dataclass(frozen=True)
class Publisher:
    name: str
    uid: str = ""  # its 统一社会信用代码
    uri: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.uid:
            out["scheme"] = IDENTIFIER_SCHEME
            out["uid"] = self.uid
        if self.uri:
            out["uri"] = self.uri
        return out


# ---------------------------------------------------------------------------------------------
# Conversions


def when(value: dt.datetime, field: str = "date") -> str:
    """An aware datetime as ISO 8601 at +08:00, to the second."""
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise ProcurementInputError(
            field,
            "Must be a date and time with its time zone (a naive datetime is ambiguous).",
            "必须是带时区的日期时间（不带时区的时间有歧义）。",
        )
    return value.astimezone(CST).isoformat(timespec="seconds")


def day_start(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(0, 0, 0), CST).isoformat(timespec="seconds")


def day_end(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(23, 59, 59), CST).isoformat(timespec="seconds")


def money(amount_wan: Decimal, field: str = "amount") -> dict[str, Any]:
    """万元 → an OCDS Value in CNY (× 10,000), to the fen."""
    if isinstance(amount_wan, bool) or not isinstance(amount_wan, Decimal | int):
        raise ProcurementInputError(field, "The amount must be a decimal number (万元).", "金额必须是十进制数（万元）。")
    yuan = (Decimal(amount_wan) * WAN).quantize(FEN, rounding=ROUND_HALF_UP)
    if not yuan.is_finite() or yuan < 0:
        raise ProcurementInputError(field, "The amount must be zero or more.", "金额不能为负数。")
    number: int | float = int(yuan) if yuan == yuan.to_integral_value() else float(yuan)
    return {"amount": number, "currency": CURRENCY}


def _number(value: Decimal) -> int | float:
    v = Decimal(value)
    return int(v) if v == v.to_integral_value() else float(v)


def org_reference(org: Organisation) -> dict[str, Any]:
    return {"id": org.party_id, "name": org.name}


def party(org: Organisation, roles: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": org.party_id,
        "name": org.name,
        "identifier": {"scheme": IDENTIFIER_SCHEME, "id": org.uscc, "legalName": org.name},
    }
    if org.region:
        out["address"] = {"region": org.region, "countryName": "中国"}
    contact = {
        k: v
        for k, v in (("name", org.contact_name), ("email", org.contact_email),
                     ("telephone", org.contact_telephone))
        if v
    }
    if contact:
        out["contactPoint"] = contact
    out["roles"] = sorted(set(roles), key=_ROLE_ORDER.index)
    return out


_ROLE_ORDER = ["buyer", "procuringEntity", "payer", "tenderer", "supplier", "payee"]


def item_json(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id, "description": item.description}
    if item.classification_code:
        c: dict[str, Any] = {"scheme": CLASSIFICATION_SCHEME, "id": item.classification_code}
        if item.classification_description:
            c["description"] = item.classification_description
        out["classification"] = c
    if item.quantity is not None:
        out["quantity"] = _number(item.quantity)
    if item.unit_name:
        out["unit"] = {"name": item.unit_name}
    return out


# ---------------------------------------------------------------------------------------------
# Releases


@dataclass(frozen=True)
class _Event:
    date: dt.datetime
    order: int  # stage order, for events at the same moment
    tag: str
    body: Callable[[], dict[str, Any]]
    roles: tuple[tuple[Organisation, str], ...] = ()


_STAGE_ORDER = {
    tag: i
    for i, tag in enumerate([
        "planning", "tender", "tenderAmendment", "tenderUpdate", "tenderCancellation", "award",
        "awardUpdate", "contract", "contractAmendment", "implementation", "contractTermination",
    ])
}


def _check_ocid(ocid: str) -> None:
    if not isinstance(ocid, str) or not ocid.strip():
        raise ProcurementInputError("ocid", "The process has no ocid.", "采购过程缺少 ocid。")
    if "#" in ocid:
        raise ProcurementInputError("ocid", "An ocid may not contain '#'.", "ocid 不能包含“#”。")


def _tender_core(p: ContractingProcess, t: Tender, status: str) -> dict[str, Any]:
    method, method_zh = METHODS[Method(t.method)]
    criteria, criteria_zh = AWARD_CRITERIA.get(t.evaluation, AWARD_CRITERIA["comprehensive"])
    items = t.items or (p.planning.needs if p.planning else ())
    out: dict[str, Any] = {
        "id": t.id,
        "title": t.title,
        "status": status,
        "procuringEntity": org_reference(t.procuring_entity or p.buyer),
        "value": money(t.value_wan, "tender.value_wan"),
        "procurementMethod": method,
        "procurementMethodDetails": method_zh,
        "mainProcurementCategory": Category(t.category).value,
        "awardCriteria": criteria,
        "awardCriteriaDetails": t.award_criteria_details or criteria_zh,
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {
            "startDate": when(t.tender_start, "tender.tender_start"),
            "endDate": when(t.tender_end, "tender.tender_end"),
        },
        "documents": [{
            "id": f"{t.id}-notice",
            "documentType": "tenderNotice",
            "title": f"{t.title} {method_zh}公告",
            "datePublished": when(t.date, "tender.date"),
            "language": LANGUAGE,
        }],
    }
    if t.description:
        out["description"] = t.description
    if t.method_rationale:
        out["procurementMethodRationale"] = t.method_rationale
    if items:
        out["items"] = [item_json(i) for i in items]
    return out


def _tender_status_at(t: Tender, moment: dt.datetime, awards: Sequence[Award]) -> str:
    if t.cancelled_at is not None and t.cancelled_at <= moment:
        return "cancelled"
    if any(a.date <= moment for a in awards):
        return "complete"
    return "active"


def _challenge_document(c: Challenge, decided: bool) -> dict[str, Any]:
    description = f"供应商{c.supplier.name}于 {when(c.date, 'challenge.date')[:10]} 提出质疑：{c.grounds}"
    if decided:
        outcome = {"upheld": "质疑成立", "dismissed": "质疑不成立"}.get(c.outcome, c.outcome)
        description += f"。处理结果：{outcome}"
        if c.outcome_description:
            description += f"，{c.outcome_description}"
    else:
        description += "。处理中。"
    doc = {
        "id": f"challenge-{c.id}",
        "documentType": "complaints",
        "title": f"质疑 {c.id}",
        "description": description,
        "datePublished": when(c.date, "challenge.date"),
        "language": LANGUAGE,
    }
    if decided and c.decided_at is not None:
        doc["dateModified"] = when(c.decided_at, "challenge.decided_at")
    return doc


def _award_json(a: Award, status: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": a.id,
        "status": status,
        "date": when(a.date, "award.date"),
        "value": money(a.value_wan, "award.value_wan"),
        "suppliers": [org_reference(s) for s in a.suppliers],
    }
    if a.title:
        out["title"] = a.title
    return out


def _milestone_json(m: ContractMilestone, met: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": m.id,
        "title": m.title,
        "type": "delivery",
        "dueDate": day_end(m.due_date),
        "status": "met" if met else "scheduled",
    }
    if m.description:
        out["description"] = m.description
    if met and m.met_on is not None:
        out["dateMet"] = day_end(m.met_on)
    return out


def _events(p: ContractingProcess) -> list[_Event]:
    events: list[_Event] = []
    buyer = p.buyer
    payer = p.payer or buyer

    if p.planning is not None:
        pl = p.planning

        def planning_body(pl=pl) -> dict[str, Any]:
            budget: dict[str, Any] = {"amount": money(pl.budget_amount_wan, "planning.budget_amount_wan")}
            if pl.budget_id:
                budget["id"] = pl.budget_id
            if pl.budget_description:
                budget["description"] = pl.budget_description
            if pl.project:
                budget["project"] = pl.project
            body: dict[str, Any] = {"planning": {"rationale": pl.rationale, "budget": budget}}
            t = p.tender
            tender: dict[str, Any] = {
                "id": t.id if t else f"{p.ocid}-tender",
                "status": "planned",
                "value": money(pl.budget_amount_wan, "planning.budget_amount_wan"),
            }
            if t is not None:
                tender["title"] = t.title
                tender["mainProcurementCategory"] = Category(t.category).value
            if pl.needs:
                tender["items"] = [item_json(i) for i in pl.needs]
            body["tender"] = tender
            return body

        events.append(_Event(pl.date, 0, "planning", planning_body, ((buyer, "buyer"),)))

    t = p.tender
    if t is not None:
        procuring = t.procuring_entity or buyer
        events.append(_Event(
            t.date, 1, "tender", lambda: {"tender": _tender_core(p, t, "active")},
            ((buyer, "buyer"), (procuring, "procuringEntity")),
        ))
        for k, amendment in enumerate(sorted(t.amendments, key=lambda a: a.date)):
            done = sorted(t.amendments, key=lambda a: a.date)[: k + 1]

            def amendment_body(amendment=amendment, done=done) -> dict[str, Any]:
                tender: dict[str, Any] = {
                    "id": t.id,
                    "status": "active",
                    "amendments": [
                        {"id": a.id, "date": when(a.date, "tender.amendments.date"),
                         "rationale": a.rationale, **({"description": a.description}
                                                      if a.description else {})}
                        for a in done
                    ],
                }
                if amendment.new_tender_end is not None:
                    tender["tenderPeriod"] = {
                        "startDate": when(t.tender_start, "tender.tender_start"),
                        "endDate": when(amendment.new_tender_end, "tender.amendments.new_tender_end"),
                    }
                if amendment.new_value_wan is not None:
                    tender["value"] = money(amendment.new_value_wan, "tender.amendments.new_value_wan")
                return {"tender": tender}

            events.append(_Event(amendment.date, 2, "tenderAmendment", amendment_body))
        for c in t.challenges:
            moments = [(c.date, False)]
            if c.decided_at is not None:
                moments.append((c.decided_at, True))
            for moment, decided in moments:
                def challenge_body(c=c, moment=moment, decided=decided) -> dict[str, Any]:
                    return {"tender": {
                        "id": t.id,
                        "status": _tender_status_at(t, moment, p.awards),
                        "documents": [_challenge_document(c, decided)],
                    }}

                events.append(_Event(moment, 3, "tenderUpdate", challenge_body))
        if t.cancelled_at is not None:
            def cancellation_body() -> dict[str, Any]:
                return {"tender": {
                    "id": t.id,
                    "status": "cancelled",
                    "documents": [{
                        "id": f"{t.id}-cancellation",
                        "documentType": "cancellationDetails",
                        "title": f"{t.title} 终止公告",
                        "description": t.cancellation_reason or "采购活动终止。",
                        "datePublished": when(t.cancelled_at, "tender.cancelled_at"),
                        "language": LANGUAGE,
                    }],
                }}

            events.append(_Event(t.cancelled_at, 4, "tenderCancellation", cancellation_body))

    for a in p.awards:
        def award_body(a=a) -> dict[str, Any]:
            body: dict[str, Any] = {"awards": [_award_json(a, "active")]}
            if t is not None:
                tender: dict[str, Any] = {"id": t.id, "status": _tender_status_at(t, a.date, p.awards)}
                if t.tenderers:
                    tender["numberOfTenderers"] = len({o.uscc for o in t.tenderers})
                    tender["tenderers"] = [org_reference(o) for o in _unique_orgs(t.tenderers)]
                body["tender"] = tender
            return body

        roles = [(o, "tenderer") for o in (t.tenderers if t else ())]
        roles += [(s, "supplier") for s in a.suppliers]
        events.append(_Event(a.date, 5, "award", award_body, tuple(roles)))
        if a.cancelled_at is not None:
            def award_update_body(a=a) -> dict[str, Any]:
                award = {"id": a.id, "status": "cancelled"}
                if a.cancellation_reason:
                    award["description"] = a.cancellation_reason
                return {"awards": [award]}

            events.append(_Event(a.cancelled_at, 6, "awardUpdate", award_update_body))

    award_ids = {a.id for a in p.awards}
    for c in p.contracts:
        if c.award_id not in award_ids:
            raise ProcurementInputError(
                f"contracts[{c.id}].award_id",
                f"The contract refers to award {c.award_id!r}, which the process does not have.",
                f"合同引用的授标“{c.award_id}”不存在。",
            )
        suppliers = next(a.suppliers for a in p.awards if a.id == c.award_id)

        def contract_body(c=c) -> dict[str, Any]:
            contract: dict[str, Any] = {
                "id": c.id,
                "awardID": c.award_id,
                "title": c.title,
                "status": "active",
                "period": {"startDate": day_start(c.start), "endDate": day_end(c.end)},
                "value": money(c.value_wan, "contract.value_wan"),
                "dateSigned": when(c.date_signed, "contract.date_signed"),
            }
            if c.description:
                contract["description"] = c.description
            if c.milestones:
                contract["milestones"] = [_milestone_json(m, False) for m in c.milestones]
            return {"contracts": [contract]}

        events.append(_Event(c.date_signed, 7, "contract", contract_body, ((payer, "payer"),)))

        amendments = sorted(c.amendments, key=lambda a: a.date)
        for k, amendment in enumerate(amendments):
            def contract_amendment_body(c=c, amendment=amendment, done=amendments[: k + 1]):
                contract: dict[str, Any] = {
                    "id": c.id,
                    "awardID": c.award_id,
                    "amendments": [
                        {"id": a.id, "date": when(a.date, "contract.amendments.date"),
                         "rationale": a.rationale, **({"description": a.description}
                                                      if a.description else {})}
                        for a in done
                    ],
                }
                if amendment.new_value_wan is not None:
                    contract["value"] = money(amendment.new_value_wan,
                                              "contract.amendments.new_value_wan")
                if amendment.new_end is not None:
                    contract["period"] = {"startDate": day_start(c.start),
                                          "endDate": day_end(amendment.new_end)}
                return {"contracts": [contract]}

            events.append(_Event(amendment.date, 8, "contractAmendment", contract_amendment_body))

        met = [m for m in c.milestones if m.met_on is not None]
        if c.payments or met:
            moments = [pay.date for pay in c.payments] + [
                dt.datetime.combine(m.met_on, dt.time(23, 59, 59), CST) for m in met
            ]
            for pay in c.payments:
                when(pay.date, f"contracts[{c.id}].payments[{pay.id}].date")
            latest = max(moments)

            def implementation_body(c=c, suppliers=suppliers) -> dict[str, Any]:
                implementation: dict[str, Any] = {}
                if c.payments:
                    implementation["transactions"] = [
                        {
                            "id": pay.id,
                            "date": when(pay.date, "payment.date"),
                            "value": money(pay.amount_wan, "payment.amount_wan"),
                            "payer": org_reference(payer),
                            "payee": org_reference(suppliers[0]),
                        }
                        for pay in sorted(c.payments, key=lambda x: x.date)
                    ]
                contract: dict[str, Any] = {"id": c.id, "awardID": c.award_id,
                                            "implementation": implementation}
                if c.milestones:
                    contract["milestones"] = [
                        _milestone_json(m, m.met_on is not None) for m in c.milestones
                    ]
                return {"contracts": [contract]}

            roles = ((payer, "payer"),) + tuple((s, "payee") for s in suppliers[:1])
            events.append(_Event(latest, 9, "implementation", implementation_body, roles))

        if c.closed_at is not None:
            def termination_body(c=c) -> dict[str, Any]:
                return {"contracts": [{"id": c.id, "awardID": c.award_id, "status": "terminated"}]}

            events.append(_Event(c.closed_at, 10, "contractTermination", termination_body))
    return events


def _unique_orgs(orgs: Iterable[Organisation]) -> list[Organisation]:
    seen, out = set(), []
    for o in orgs:
        if o.uscc not in seen:
            seen.add(o.uscc)
            out.append(o)
    return out


def releases_for(process: ContractingProcess) -> list[dict[str, Any]]:
    """One release per stage the process has reached (and per amendment, challenge event,
    award and contract), in date order."""
    _check_ocid(process.ocid)
    events = _events(process)
    for e in events:
        when(e.date, f"{e.tag}.date")
    events.sort(key=lambda e: (e.date, e.order))
    counts: dict[str, int] = {}
    roles: dict[str, set[str]] = {}
    orgs: dict[str, Organisation] = {}

    def add_role(org: Organisation, role: str) -> None:
        orgs.setdefault(org.party_id, org)
        roles.setdefault(org.party_id, set()).add(role)

    add_role(process.buyer, "buyer")
    out = []
    for e in events:
        for org, role in e.roles:
            add_role(org, role)
        counts[e.tag] = counts.get(e.tag, 0) + 1
        release: dict[str, Any] = {
            "ocid": process.ocid,
            "id": f"{process.ocid}-{e.tag}-{counts[e.tag]}",
            "date": when(e.date, f"{e.tag}.date"),
            "tag": [e.tag],
            "initiationType": "tender",
            "language": LANGUAGE,
            "parties": [party(orgs[pid], roles[pid]) for pid in orgs],
            "buyer": org_reference(process.buyer),
        }
        release.update(e.body())
        out.append(release)
    return out


# ---------------------------------------------------------------------------------------------
# Records and packages


class _Delete:
    pass


_DELETE = _Delete()


def _merge(old: Any, new: Any, key: str = "") -> Any:
    if new is None:
        return _DELETE
    if isinstance(new, dict):
        base = old if isinstance(old, dict) else {}
        result = dict(base)
        for k, v in new.items():
            merged = _merge(base.get(k), v, k)
            if merged is _DELETE:
                result.pop(k, None)
            else:
                result[k] = merged
        return result
    if isinstance(new, list):
        by_id = (
            key not in WHOLE_LIST_MERGE
            and new
            and all(isinstance(x, dict) and "id" in x for x in new)
        )
        if not by_id:
            return [_merge(None, x) for x in new]
        result_list: dict[Any, Any] = {}
        if isinstance(old, list):
            for x in old:
                if isinstance(x, dict) and "id" in x:
                    result_list[x["id"]] = x
        for x in new:
            merged = _merge(result_list.get(x["id"]), x)
            result_list[x["id"]] = merged
        return list(result_list.values())
    return new


def _release_moment(release: Mapping[str, Any]) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(release["date"])
    except (KeyError, TypeError, ValueError):
        raise ProcurementInputError(
            "releases.date", "Every release needs an ISO 8601 date.", "每个发布都须有 ISO 8601 日期。"
        ) from None


def compile_release(releases: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The compiled release of one process's releases (OCDS merge)."""
    if not releases:
        raise ProcurementInputError("releases", "No releases to compile.", "没有可合并的发布。")
    ocids = {r.get("ocid") for r in releases}
    if len(ocids) != 1:
        raise ProcurementInputError(
            "releases", "The releases belong to different processes.", "这些发布属于不同的采购过程。"
        )
    ordered = sorted(releases, key=_release_moment)
    compiled: dict[str, Any] = {}
    for r in ordered:
        compiled = _merge(compiled, {k: v for k, v in r.items() if k not in OMIT_WHEN_MERGED})
    ocid = ordered[-1]["ocid"]
    latest = ordered[-1]["date"]
    return {"ocid": ocid, "id": f"{ocid}-{latest}", "date": latest, "tag": ["compiled"],
            **{k: v for k, v in compiled.items() if k != "ocid"}}


def compile_record(
    releases: Sequence[Mapping[str, Any]], *, package_uri: str | None = None
) -> dict[str, Any]:
    """An OCDS record: the releases (embedded, or linked to ``package_uri#<release id>`` when
    given) in date order, and the compiled release."""
    compiled = compile_release(releases)
    ordered = sorted(releases, key=_release_moment)
    if package_uri:
        listed: list[Any] = [
            {"url": f"{package_uri}#{r['id']}", "date": r["date"], "tag": list(r["tag"])}
            for r in ordered
        ]
    else:
        listed = [dict(r) for r in ordered]
    return {"ocid": compiled["ocid"], "releases": listed, "compiledRelease": compiled}


def _package_head(
    uri: str, published_date: dt.datetime, publisher: Publisher | Mapping[str, Any],
    license_uri: str | None, publication_policy: str | None,
) -> dict[str, Any]:
    head: dict[str, Any] = {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": when(published_date, "published_date"),
        "publisher": publisher.as_json() if isinstance(publisher, Publisher) else dict(publisher),
    }
    if license_uri:
        head["license"] = license_uri
    if publication_policy:
        head["publicationPolicy"] = publication_policy
    return head


def release_package(
    releases: Sequence[Mapping[str, Any]],
    uri: str,
    published_date: dt.datetime,
    publisher: Publisher | Mapping[str, Any],
    *,
    license_uri: str | None = None,
    publication_policy: str | None = None,
) -> dict[str, Any]:
    head = _package_head(uri, published_date, publisher, license_uri, publication_policy)
    return {**head, "releases": list(releases)}


def record_package(
    records: Sequence[Mapping[str, Any]],
    uri: str,
    published_date: dt.datetime,
    publisher: Publisher | Mapping[str, Any],
    *,
    packages: Sequence[str] = (),
    license_uri: str | None = None,
    publication_policy: str | None = None,
) -> dict[str, Any]:
    head = _package_head(uri, published_date, publisher, license_uri, publication_policy)
    if packages:
        head["packages"] = list(packages)
    return {**head, "records": list(records)}


def release_package_for(
    processes: Iterable[ContractingProcess],
    uri: str,
    published_date: dt.datetime,
    publisher: Publisher | Mapping[str, Any],
    **options: Any,
) -> dict[str, Any]:
    """One release package of every release of every process (the ``export-ocds`` file)."""
    releases = [r for p in processes for r in releases_for(p)]
    return release_package(releases, uri, published_date, publisher, **options)


def record_package_for(
    processes: Iterable[ContractingProcess],
    uri: str,
    published_date: dt.datetime,
    publisher: Publisher | Mapping[str, Any],
    *,
    package_uri: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """One record per process (compiled), releases linked to ``package_uri`` when given."""
    records = [compile_record(releases_for(p), package_uri=package_uri) for p in processes]
    packages = [package_uri] if package_uri else []
    return record_package(records, uri, published_date, publisher, packages=packages, **options)
