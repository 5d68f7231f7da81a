"""OCDS 1.1.5 (pure, no database): releases for every stage, compiled records, packages, all
validated offline against the repository's copies of the official schemas; and the validator
failing on invalid data, with the JSON path."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from decimal import Decimal as D
from pathlib import Path

import pytest

from cityops.procurement.domain import ProcurementInputError
from cityops.procurement.domain.ocds import (
    CST,
    Award,
    Challenge,
    Contract,
    ContractAmendment,
    ContractingProcess,
    ContractMilestone,
    Item,
    Organisation,
    Payment,
    Planning,
    Publisher,
    Tender,
    TenderAmendment,
    compile_record,
    compile_release,
    record_package,
    record_package_for,
    release_package,
    release_package_for,
    releases_for,
)
from cityops.procurement.domain.ocds_validate import (
    SCHEMA_DIR,
    OCDSValidator,
    validate_record_package,
    validate_release,
    validate_release_package,
)
from cityops.procurement.domain.rules import Category, Method

SHARED = Path(__file__).resolve().parents[4] / "shared" / "standards" / "ocds-1.1.5"
URI = "https://cityops.example.gov.cn/ocds/haidian.json"
PUBLISHED = dt.datetime(2025, 1, 2, 9, 0, tzinfo=CST)
PUBLISHER = Publisher("北京市海淀区政务服务和数据管理局", uid="11110108MB0123456X")


def at(month, day, hour=10, year=2024):
    return dt.datetime(year, month, day, hour, 0, tzinfo=CST)


BUYER = Organisation("北京市海淀区政务服务和数据管理局", "11110108MB0123456X", "北京市海淀区",
                     contact_name="采购科", contact_telephone="010-00000000")
AGENCY = Organisation("某招标代理有限公司", "91110108MA00AGENT1")
WINNER = Organisation("智慧神州(北京)科技有限公司", "91110108MA01ZHSZ2C")
LOSER = Organisation("某信息技术有限公司", "91110108MA02LOSE3D")
NEED = Item("N1", "政务云平台网络安全监测服务", "C16", "信息技术服务", D(1), "项")


def tender(**kw) -> Tender:
    base = dict(
        id="HD-2024-017", title="政务云平台网络安全监测服务", date=at(2, 1),
        method=Method.PUBLIC_TENDER, category=Category.SERVICES, value_wan=D(160),
        tender_start=at(2, 1), tender_end=at(2, 22, 9), items=(NEED,), procuring_entity=AGENCY,
        award_criteria_details="综合评分法：价格 30%，技术 50%，商务 20%",
    )
    return Tender(**{**base, **kw})


def full_process() -> ContractingProcess:
    """Plan → tender (with an amendment) → award → contract (with an amendment) → payments."""
    return ContractingProcess(
        ocid="ocds-cityop-HD2024017",
        buyer=BUYER,
        planning=Planning(at(1, 10), D(160), "政务云平台网络安全监测服务到期续购",
                          budget_id="2024-HD-IT-07", project="海淀政务云", needs=(NEED,)),
        tender=tender(
            amendments=(TenderAmendment("TA1", at(2, 12), "延长投标截止时间一周",
                                        new_tender_end=at(2, 29, 9)),),
            tenderers=(WINNER, LOSER),
        ),
        awards=(Award("A1", at(3, 8), D(156), (WINNER,), "网络安全监测服务中标"),),
        contracts=(Contract(
            "C1", "A1", "政务云平台网络安全监测服务合同", at(3, 25), dt.date(2024, 4, 1),
            dt.date(2025, 3, 31), D(156),
            milestones=(ContractMilestone("M1", "上线验收", dt.date(2024, 5, 1), dt.date(2024, 4, 28)),
                        ContractMilestone("M2", "年度验收", dt.date(2025, 3, 31))),
            payments=(Payment("P1", at(5, 10), D("46.8")), Payment("P2", at(10, 10), D("62.4"))),
            amendments=(ContractAmendment("CA1", at(9, 1), "新增 2 个监测系统", "监测范围扩大",
                                          new_value_wan=D("171.6")),),
        ),),
    )


def cancelled_process() -> ContractingProcess:
    return ContractingProcess(
        ocid="ocds-cityop-HD2024018",
        buyer=BUYER,
        planning=Planning(at(1, 12), D(92), "等级保护测评", needs=(NEED,)),
        tender=tender(id="HD-2024-018", title="等级保护测评服务", value_wan=D(92),
                      cancelled_at=at(2, 23), cancellation_reason="有效投标不足三家，终止采购"),
    )


def challenged_process() -> ContractingProcess:
    """A challenge upheld: the first award is cancelled and the second-ranked bidder awarded."""
    return ContractingProcess(
        ocid="ocds-cityop-HD2024019",
        buyer=BUYER,
        planning=Planning(at(1, 15), D(652), "备份云服务", needs=(NEED,)),
        tender=tender(
            id="HD-2024-019", title="备份云服务 490TB", value_wan=D(652),
            challenges=(Challenge("Q1", at(3, 11), LOSER, "中标人不满足等保三级服务资质要求",
                                  "upheld", "原中标无效，依法另行确定中标人", at(3, 18)),),
            tenderers=(WINNER, LOSER),
        ),
        awards=(
            Award("A1", at(3, 8), D(640), (WINNER,), cancelled_at=at(3, 18),
                  cancellation_reason="质疑成立，原中标无效"),
            Award("A2", at(3, 20), D(645), (LOSER,)),
        ),
        contracts=(Contract("C1", "A2", "备份云服务合同", at(4, 1), dt.date(2024, 4, 5),
                            dt.date(2025, 4, 4), D(645), closed_at=at(4, 10, year=2025)),),
    )


# -- the schema copies --------------------------------------------------------------------------


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared standards folder is not beside the repo")
def test_schema_copies_are_byte_identical_to_the_shared_standard():
    names = ["release-package-schema.json", "release-schema.json", "record-package-schema.json",
             "versioned-release-validation-schema.json", "LICENSE"]
    for name in names:
        assert (SCHEMA_DIR / name).read_bytes() == (SHARED / name).read_bytes(), name


def test_schema_copies_are_there_with_their_provenance():
    readme = (SCHEMA_DIR / "README.md").read_text(encoding="utf-8")
    assert "1__1__5" in readme and "Apache" in readme
    assert "Apache License" in (SCHEMA_DIR / "LICENSE").read_text(encoding="utf-8")


# -- a full process -----------------------------------------------------------------------------


def test_a_full_process_publishes_a_release_per_stage_in_order():
    releases = releases_for(full_process())
    assert [r["tag"] for r in releases] == [
        ["planning"], ["tender"], ["tenderAmendment"], ["award"], ["contract"],
        ["contractAmendment"], ["implementation"],  # dated at its latest payment (October)
    ]
    assert [r["id"] for r in releases][:3] == [
        "ocds-cityop-HD2024017-planning-1", "ocds-cityop-HD2024017-tender-1",
        "ocds-cityop-HD2024017-tenderAmendment-1"]
    assert len({r["id"] for r in releases}) == len(releases)
    dates = [dt.datetime.fromisoformat(r["date"]) for r in releases]
    assert dates == sorted(dates)
    for r in releases:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", r["date"]), r["date"]
        assert r["language"] == "zh" and r["initiationType"] == "tender"
        assert validate_release(r) == [], r["id"]


def test_each_stage_carries_what_it_should():
    planning, notice, amended, award, contract, _amend, implementation = releases_for(
        full_process())
    assert planning["planning"]["budget"]["amount"] == {"amount": 1_600_000, "currency": "CNY"}
    assert planning["tender"]["status"] == "planned"
    assert planning["tender"]["items"][0]["classification"] == {
        "scheme": "CN-GPC", "id": "C16", "description": "信息技术服务"}
    t = notice["tender"]
    assert (t["status"], t["procurementMethod"], t["procurementMethodDetails"]) == (
        "active", "open", "公开招标")
    assert t["mainProcurementCategory"] == "services"
    assert t["procuringEntity"]["id"] == "CN-USCC-91110108MA00AGENT1"
    # bidders are not published before the award
    assert "tenderers" not in t and "numberOfTenderers" not in t
    assert amended["tender"]["tenderPeriod"]["endDate"] == "2024-02-29T09:00:00+08:00"
    assert amended["tender"]["amendments"][0]["rationale"] == "延长投标截止时间一周"
    assert award["tender"]["numberOfTenderers"] == 2
    assert award["awards"] == [{
        "id": "A1", "status": "active", "date": "2024-03-08T10:00:00+08:00",
        "value": {"amount": 1_560_000, "currency": "CNY"},
        "suppliers": [{"id": "CN-USCC-91110108MA01ZHSZ2C", "name": WINNER.name}],
        "title": "网络安全监测服务中标",
    }]
    roles = {p["name"]: p["roles"] for p in award["parties"]}
    assert roles[WINNER.name] == ["tenderer", "supplier"] and roles[LOSER.name] == ["tenderer"]
    assert award["parties"][0]["identifier"] == {
        "scheme": "CN-USCC", "id": BUYER.uscc, "legalName": BUYER.name}
    c = contract["contracts"][0]
    assert c["period"] == {"startDate": "2024-04-01T00:00:00+08:00",
                           "endDate": "2025-03-31T23:59:59+08:00"}
    assert [m["status"] for m in c["milestones"]] == ["scheduled", "scheduled"]
    tx = implementation["contracts"][0]["implementation"]["transactions"]
    assert [x["value"]["amount"] for x in tx] == [468_000, 624_000]
    assert tx[0]["payer"]["name"] == BUYER.name and tx[0]["payee"]["name"] == WINNER.name


def test_losing_bids_prices_are_never_published():
    text = json.dumps(releases_for(full_process()), ensure_ascii=False)
    assert '"bids"' not in text
    package = release_package_for([full_process()], URI, PUBLISHED, PUBLISHER)
    amounts = {json.dumps(v) for v in _values(package)}
    # budget 160万, award 156万, amended 171.6万, two payments: nothing else carries money
    assert amounts == {json.dumps({"amount": a, "currency": "CNY"})
                       for a in (1_600_000, 1_560_000, 1_716_000, 468_000, 624_000)}


def _values(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "value" or k == "amount" and isinstance(v, dict):
                yield v
            else:
                yield from _values(v)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v)


def test_compiled_record_of_a_full_process():
    releases = releases_for(full_process())
    record = compile_record(releases)
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["date"] == releases[-1]["date"]
    assert compiled["tender"]["status"] == "complete"
    assert compiled["tender"]["tenderPeriod"]["endDate"] == "2024-02-29T09:00:00+08:00"
    contract = compiled["contracts"][0]
    assert contract["value"]["amount"] == 1_716_000  # the amendment overwrote the signed value
    assert contract["status"] == "active" and contract["dateSigned"] == "2024-03-25T10:00:00+08:00"
    assert [m["status"] for m in contract["milestones"]] == ["met", "scheduled"]
    assert len(contract["implementation"]["transactions"]) == 2
    assert contract["amendments"][0]["rationale"] == "新增 2 个监测系统"
    roles = {p["name"]: p["roles"] for p in compiled["parties"]}
    assert roles[BUYER.name] == ["buyer", "payer"] and roles[AGENCY.name] == ["procuringEntity"]
    assert roles[WINNER.name] == ["tenderer", "supplier", "payee"]
    package = record_package([record], URI, PUBLISHED, PUBLISHER)
    assert validate_record_package(package) == []
    linked = compile_record(releases, package_uri=URI)
    assert linked["releases"][0] == {"url": f"{URI}#{releases[0]['id']}",
                                     "date": releases[0]["date"], "tag": ["planning"]}
    assert validate_record_package(record_package([linked], URI, PUBLISHED, PUBLISHER,
                                                  packages=[URI])) == []


def test_cancelled_process():
    releases = releases_for(cancelled_process())
    assert [r["tag"][0] for r in releases] == ["planning", "tender", "tenderCancellation"]
    compiled = compile_release(releases)
    assert compiled["tender"]["status"] == "cancelled"
    docs = {d["documentType"]: d for d in compiled["tender"]["documents"]}
    assert docs["cancellationDetails"]["description"] == "有效投标不足三家，终止采购"
    assert "awards" not in compiled and "contracts" not in compiled
    assert validate_release_package(release_package(releases, URI, PUBLISHED, PUBLISHER)) == []


def test_challenge_upheld_process():
    releases = releases_for(challenged_process())
    assert [r["tag"][0] for r in releases] == [
        "planning", "tender", "award", "tenderUpdate", "tenderUpdate", "awardUpdate", "award",
        "contract", "contractTermination"]
    lodged, decided = (r for r in releases if r["tag"] == ["tenderUpdate"])
    assert "处理中" in lodged["tender"]["documents"][0]["description"]
    compiled = compile_release(releases)
    complaint = next(d for d in compiled["tender"]["documents"] if d["documentType"] == "complaints")
    assert "质疑成立" in complaint["description"] and "等保三级" in complaint["description"]
    assert complaint["dateModified"] == "2024-03-18T10:00:00+08:00"
    assert [(a["id"], a["status"]) for a in compiled["awards"]] == [("A1", "cancelled"),
                                                                   ("A2", "active")]
    assert compiled["contracts"][0]["awardID"] == "A2"
    assert compiled["contracts"][0]["status"] == "terminated"
    assert validate_release_package(release_package(releases, URI, PUBLISHED, PUBLISHER)) == []
    assert validate_record_package(record_package_for([challenged_process()], URI, PUBLISHED,
                                                      PUBLISHER)) == []


def test_one_package_of_every_process_validates():
    processes = [full_process(), cancelled_process(), challenged_process()]
    package = release_package_for(processes, URI, PUBLISHED, PUBLISHER,
                                  license_uri="https://creativecommons.org/licenses/by/4.0/")
    assert package["version"] == "1.1" and package["publishedDate"] == "2025-01-02T09:00:00+08:00"
    assert package["publisher"] == {"name": PUBLISHER.name, "scheme": "CN-USCC",
                                    "uid": "11110108MB0123456X"}
    assert len(package["releases"]) == 7 + 3 + 9
    # what is written to the file validates, not just the Python objects
    assert validate_release_package(json.loads(json.dumps(package, ensure_ascii=False))) == []


def test_the_benchmark_generator_produces_valid_packages():
    from bench.ocds import PUBLISHED as BENCH_PUBLISHED
    from bench.ocds import URI as BENCH_URI
    from bench.ocds import generate_processes

    processes = generate_processes(120, seed=7)
    package = release_package_for(processes, BENCH_URI, BENCH_PUBLISHED, PUBLISHER)
    tags = {r["tag"][0] for r in package["releases"]}
    assert {"planning", "tender", "tenderCancellation", "award", "contract", "implementation",
            "contractTermination"} <= tags
    assert validate_release_package(package) == []
    assert generate_processes(5, seed=7) == processes[:5]  # deterministic


# -- merge rules --------------------------------------------------------------------------------


def test_merge_rules():
    base = {"ocid": "ocds-x-1", "initiationType": "tender"}
    first = {**base, "id": "r1", "date": "2024-01-01T00:00:00+08:00", "tag": ["tender"],
             "tender": {"id": "T", "title": "旧标题", "description": "说明",
                        "submissionMethod": ["written", "inPerson"],
                        "items": [{"id": "1", "description": "甲"}, {"id": "2", "description": "乙"}]}}
    second = {**base, "id": "r2", "date": "2024-02-01T00:00:00+08:00", "tag": ["tenderUpdate"],
              "tender": {"id": "T", "title": "新标题", "description": None,
                         "submissionMethod": ["electronicSubmission"],
                         "items": [{"id": "2", "quantity": 3}, {"id": "3", "description": "丙"}]}}
    compiled = compile_release([second, first])  # merged in date order, whatever the input order
    t = compiled["tender"]
    assert t["title"] == "新标题"
    assert "description" not in t  # null removes
    assert t["submissionMethod"] == ["electronicSubmission"]  # arrays of strings are replaced
    assert t["items"] == [{"id": "1", "description": "甲"},  # arrays of objects merge by id
                          {"id": "2", "description": "乙", "quantity": 3},
                          {"id": "3", "description": "丙"}]
    assert compiled["id"] == "ocds-x-1-2024-02-01T00:00:00+08:00"
    assert first["tender"]["title"] == "旧标题"  # the releases are left as they were
    with pytest.raises(ProcurementInputError):
        compile_release([first, {**second, "ocid": "ocds-x-2"}])


# -- bad input to the builder -------------------------------------------------------------------


def test_naive_datetimes_and_dangling_awards_are_refused():
    naive = ContractingProcess("ocds-cityop-1", BUYER, planning=Planning(
        dt.datetime(2024, 1, 1, 9), D(10), "x"))
    with pytest.raises(ProcurementInputError) as e:
        releases_for(naive)
    assert e.value.field == "planning.date" and "时区" in e.value.zh
    dangling = ContractingProcess("ocds-cityop-2", BUYER, contracts=(Contract(
        "C1", "A9", "合同", at(3, 1), dt.date(2024, 3, 2), dt.date(2025, 3, 1), D(10)),))
    with pytest.raises(ProcurementInputError) as e:
        releases_for(dangling)
    assert e.value.field == "contracts[C1].award_id"
    with pytest.raises(ProcurementInputError) as e:
        releases_for(ContractingProcess("", BUYER))
    assert e.value.field == "ocid"


# -- the validator can fail ---------------------------------------------------------------------


def valid_package():
    return json.loads(json.dumps(
        release_package_for([full_process()], URI, PUBLISHED, PUBLISHER), ensure_ascii=False))


def test_a_release_without_ocid_is_reported_with_its_path():
    package = valid_package()
    del package["releases"][2]["ocid"]
    assert validate_release_package(package) == ["$.releases[2]: 'ocid' is a required property"]


def test_a_bad_date_is_reported_with_its_path():
    package = valid_package()
    package["releases"][0]["date"] = "2024-13-45 10:00"
    package["releases"][4]["contracts"][0]["dateSigned"] = "2024-03-25"  # a date is no date-time
    assert validate_release_package(package) == [
        "$.releases[0].date: '2024-13-45 10:00' is not a 'date-time'",
        "$.releases[4].contracts[0].dateSigned: '2024-03-25' is not a 'date-time'",
    ]


def test_codelist_and_type_errors_are_reported():
    package = valid_package()
    package["releases"][1]["tender"]["procurementMethod"] = "public_tender"
    package["releases"][3]["awards"][0]["value"]["amount"] = "156万"
    package["version"] = "1.1.5"
    errors = validate_release_package(package)
    assert len(errors) == 3
    assert errors[0].startswith("$.releases[1].tender.procurementMethod: 'public_tender' is not one")
    assert errors[1] == "$.releases[3].awards[0].value.amount: '156万' is not of type 'number', 'null'"
    assert errors[2].startswith("$.version: '1.1.5' does not match")


def test_duplicate_releases_and_bad_records_are_reported():
    package = valid_package()
    package["releases"].append(copy.deepcopy(package["releases"][0]))
    assert validate_release_package(package) == [
        "$.releases: has non-unique elements (items 0 and 7 are equal)"]
    records = json.loads(json.dumps(record_package_for([full_process()], URI, PUBLISHED, PUBLISHER),
                                    ensure_ascii=False))
    records["records"][0]["compiledRelease"]["date"] = "yesterday"
    del records["publishedDate"]
    assert validate_record_package(records) == [
        "$.records[0].compiledRelease.date: 'yesterday' is not a 'date-time'",
        "$: 'publishedDate' is a required property",
    ]


def test_unique_items_keeps_json_equality():
    unique = OCDSValidator({"uniqueItems": True})
    assert not unique.is_valid([1, 1.0])
    assert not unique.is_valid([{"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}])
    assert unique.is_valid([1, True])
    assert unique.is_valid([{"a": [1, 2]}, {"a": [2, 1]}])
    assert unique.is_valid([0, False, None, "0"])


def test_an_invalid_organisation_is_found_after_valid_copies_of_it():
    # the validator skips organisations it has already found valid: a changed one is checked
    package = valid_package()
    assert validate_release_package(package) == []
    package["releases"][5]["parties"][1]["roles"] = "supplier"
    package["releases"][6]["buyer"]["id"] = None
    package["releases"][6]["parties"][0]["identifier"]["id"] = ["11110108MB0123456X"]
    assert validate_release_package(package) == [
        "$.releases[5].parties[1].roles: 'supplier' is not of type 'array', 'null'",
        "$.releases[6].buyer.id: None is not of type 'string', 'integer'",
        "$.releases[6].parties[0].identifier.id: ['11110108MB0123456X'] is not of type 'string', "
        "'integer', 'null'",
    ]


def test_same_verdicts_as_stock_jsonschema_on_the_unmodified_schemas():
    from jsonschema import Draft4Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    raw = {name: json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
           for name in ("release-schema.json", "release-package-schema.json",
                        "record-package-schema.json", "versioned-release-validation-schema.json")}
    registry = Registry().with_resources(
        (c["id"], DRAFT4.create_resource(c)) for c in raw.values())
    stock = Draft4Validator(raw["release-package-schema.json"], registry=registry,
                            format_checker=Draft4Validator.FORMAT_CHECKER)
    package = valid_package()
    assert list(stock.iter_errors(package)) == [] and validate_release_package(package) == []
    package["releases"][1]["parties"][0]["roles"] = "buyer"
    package["releases"][2]["tender"]["tenderPeriod"]["endDate"] = "soon"
    package["releases"][3]["awards"][0]["suppliers"].append(
        copy.deepcopy(package["releases"][3]["awards"][0]["suppliers"][0]))
    package["releases"][4]["parties"].append(copy.deepcopy(package["releases"][4]["parties"][0]))
    del package["releases"][5]["tag"]
    ours = sorted(e.split(": ")[0] for e in validate_release_package(package))
    theirs = sorted(e.json_path for e in stock.iter_errors(package))
    assert ours == theirs == [
        "$.releases[1].parties[0].roles",
        "$.releases[2].tender.tenderPeriod.endDate",
        "$.releases[3].awards[0].suppliers",
        "$.releases[4].parties",
        "$.releases[5]",
    ]
