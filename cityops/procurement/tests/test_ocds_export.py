"""Open contracting: ``cityops procurement export-ocds --out FILE`` on a city with processes at
every stage (planning, tendering, awarded, contracted with payments and an amendment,
cancelled, challenged) writes one OCDS 1.1.5 release package that validates offline against
the official schemas; a directory as --out exits 2; no losing bid price is ever published."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cityops.procurement import services
from cityops.procurement.domain.ocds_validate import validate_release_package
from cityops.procurement.models import Bid
from conftest import test_database_url

from .matrix import ago, awarded, planned, signed, tendering

CITYOPS = str(Path(sys.executable).parent / "cityops")
LOSING = {"supplier2": "271.37"}  # sue's price in every process: she never wins


def published_forms(price_wan: str) -> list[str]:
    """How a price in 万元 could appear in the JSON: as entered, or in yuan (OCDS values)."""
    yuan = Decimal(price_wan) * 10000
    return [price_wan, str(int(yuan)) if yuan == yuan.to_integral_value() else str(yuan)]


def city(personas) -> dict:
    """One process at each stage; sue bids 271.37 everywhere and loses everywhere."""
    prices = {personas.supplier: "248.52", personas.supplier2: LOSING["supplier2"]}
    plan = planned(personas)
    open_ = tendering(personas)
    services.bid_submit(procurement=open_, by=personas.supplier2, price_wan=Decimal("271.37"),
                        at=ago(1))
    challenged, _ = awarded(personas, prices, at=ago(hours=3))
    ch = services.challenge_file(procurement=challenged, by=personas.supplier2,
                                 grounds="对评分提出质疑")
    services.challenge_decide(challenge=ch, by=personas.dept, upheld=False,
                              outcome="评分符合招标文件")
    revoked, _ = awarded(personas, prices, at=ago(hours=3))
    ch = services.challenge_file(procurement=revoked, by=personas.supplier2, grounds="资格审查有误")
    services.challenge_decide(challenge=ch, by=personas.dept, upheld=True, outcome="重新评审")
    contract = signed(personas, prices)
    first = contract.milestones.order_by("due_on").first()
    services.milestone_accept(milestone=first, by=personas.dept)
    services.payment_mark_paid(payment=first.payments.get(), by=personas.finance)
    services.contract_amend(contract=contract, by=personas.dept, reason="新增两个区县接入点",
                            amount_wan=Decimal("260"))
    cancelled = services.procurement_cancel(procurement=tendering(personas), by=personas.dept,
                                            reason="需求发生重大变化")
    return {"planning": plan, "tendering": open_, "challenged": challenged,
            "revoked": revoked, "contracted": contract.procurement, "cancelled": cancelled}


def _releases_by_ocid(package) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in package["releases"]:
        out.setdefault(r["ocid"], []).append(r)
    return out


def test_export_writes_a_valid_package_of_every_stage(personas, tmp_path):
    processes = city(personas)
    out = tmp_path / "out" / "ocds.json"
    stdout = io.StringIO()
    call_command("procurement", "export-ocds", "--out", str(out), stdout=stdout,
                 stderr=io.StringIO())
    assert "6 processes" in stdout.getvalue() and "valid" in stdout.getvalue()
    text = out.read_text(encoding="utf-8")
    package = json.loads(text)
    assert validate_release_package(package) == []
    by_ocid = _releases_by_ocid(package)
    assert set(by_ocid) == {p.ocid for p in processes.values()}
    tags = {name: {t for r in by_ocid[p.ocid] for t in r["tag"]}
            for name, p in processes.items()}
    assert tags["planning"] == {"planning"}
    assert {"planning", "tender"} <= tags["tendering"]
    assert "award" in tags["challenged"]
    assert {"award", "contract", "implementation"} <= tags["contracted"]
    assert "tenderCancellation" in tags["cancelled"]
    contracted = [r for r in by_ocid[processes["contracted"].ocid]]
    implementation = json.dumps(contracted, ensure_ascii=False)
    assert "新增两个区县接入点" in implementation  # the amendment's rationale
    assert '"transactions"' in implementation  # the payment
    assert "对评分提出质疑" in json.dumps(by_ocid[processes["challenged"].ocid],
                                     ensure_ascii=False)
    # Losing prices are never published (the winners' are, as award and contract values).
    for form in published_forms(LOSING["supplier2"]):
        assert form not in text, form
    assert Bid.objects.filter(price_wan=Decimal(LOSING["supplier2"])).count() == 4
    assert published_forms("248.52")[1] in text  # the check can see a price: the winner's


def test_a_directory_as_out_is_refused_with_exit_code_2(personas, tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("procurement", "export-ocds", "--out", str(tmp_path))
    assert refused.value.returncode == 2
    assert "--out" in str(refused.value)


def test_the_console_script_exits_2_for_a_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="cityops.settings", CITYOPS_VAR_DIR=str(tmp_path))
    result = subprocess.run([CITYOPS, "procurement", "export-ocds", "--out", str(tmp_path)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "directory" in result.stderr and "目录" in result.stderr


@pytest.mark.slow
def test_the_console_script_exports_the_committed_city(transactional_db, personas, tmp_path):
    city(personas)
    out = tmp_path / "ocds.json"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="cityops.settings", CITYOPS_VAR_DIR=str(tmp_path),
               DATABASE_URL=test_database_url())
    result = subprocess.run([CITYOPS, "procurement", "export-ocds", "--out", str(out)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    package = json.loads(out.read_text(encoding="utf-8"))
    assert validate_release_package(package) == []
    assert len(_releases_by_ocid(package)) == 6
    for form in published_forms(LOSING["supplier2"]):
        assert form not in out.read_text(encoding="utf-8")
