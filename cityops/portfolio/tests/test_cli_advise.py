"""``cityops portfolio advise FILE``: JSON in, the ranking as JSON out; bad files exit with
code 2 and a message naming the field (or the problem) in English and Chinese."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cityops.portfolio.domain.cases import load_case_library

LIANJIANG = {
    "investment_wan": 39000,
    "construction_share": 0.75,
    "demand_stability": 0.6,
    "public_good": 0.9,
    "user_payment_share": 0,
    "security_sensitivity": 0.4,
    "local_soe_capacity": 0.3,
    "supplier_market_maturity": 0.75,
    "fiscal_room": 0.4,
    "operation_horizon_years": 3,
    "cross_department": 0.8,
}


def advise(*args, **kwargs):
    out = io.StringIO()
    call_command("portfolio", "advise", *args, stdout=out, **kwargs)
    return out.getvalue()


def test_advise_prints_the_ranking_as_json(tmp_path):
    path = tmp_path / "project.json"
    path.write_text(json.dumps(LIANJIANG), encoding="utf-8")
    output = advise(str(path))
    data = json.loads(output)
    ranking = data["ranking"]
    assert [row["rank"] for row in ranking] == list(range(1, 8))
    assert {row["model"] for row in ranking} == {
        "purchase",
        "ppp",
        "epc",
        "platform",
        "joint",
        "dbb",
        "self_built",
    }
    assert ranking[0]["model"] == "epc"
    scores = [row["score"] for row in ranking]
    assert scores == sorted(scores, reverse=True)
    epc_risks = {r["code"]: r for r in ranking[0]["risks"]}
    assert "建运分离" in epc_risks["epc.build_operate_gap"]["zh"]
    assert "建运分离" in output  # ensure_ascii=False: Chinese as text, not \u escapes
    assert '\n  "ranking": [' in output  # indent 2
    assert data["characteristics"]["investment_wan"] == "39000"


def test_advise_reads_standard_input_for_dash():
    case = next(c for c in load_case_library() if c.id == "haidian-gov-cloud-2020")
    payload = json.dumps(case.characteristics.to_dict())
    data = json.loads(advise("-", stdin=io.StringIO(payload)))
    assert data["ranking"][0]["model"] == "purchase"


def test_advise_accepts_a_file_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.json"
    path.write_text("\ufeff" + json.dumps(LIANJIANG), encoding="utf-8")
    assert json.loads(advise(str(path)))["ranking"][0]["model"] == "epc"


def refused(*args, **kwargs) -> CommandError:
    with pytest.raises(CommandError) as caught:
        advise(*args, **kwargs)
    assert caught.value.returncode == 2
    return caught.value


def test_missing_file_exits_2(tmp_path):
    error = refused(str(tmp_path / "nope.json"))
    assert "cannot read" in str(error) and "无法读取" in str(error)
    assert "nope.json" in str(error)


def test_a_directory_exits_2(tmp_path):
    error = refused(str(tmp_path))
    assert "cannot read" in str(error)


@pytest.mark.parametrize("text", ["{not json", "", "\xff\xfe binary"])
def test_not_json_exits_2(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="latin-1")
    error = refused(str(path))
    assert ("not valid JSON" in str(error) and "不是有效的 JSON" in str(error)) or (
        "cannot read" in str(error)
    )


@pytest.mark.parametrize(
    ("change", "field", "en", "zh"),
    [
        ({"fiscal_room": None}, "fiscal_room", "is required", "必填"),
        ({"public_good": "high"}, "public_good", "must be a number", "必须是"),
        ({"user_payment_share": 1.2}, "user_payment_share", "between 0 and 1", "0 到 1"),
        ({"investment_wan": -1}, "investment_wan", ">= 0", "不小于 0"),
        ({"operation_horizon_years": 60}, "operation_horizon_years", "between 0 and 50", "50"),
        ({"fiscal_rom": 0.5}, "fiscal_rom", "unknown field", "未知字段"),
    ],
)
def test_bad_field_exits_2_naming_the_field_in_english_and_chinese(tmp_path, change, field, en, zh):
    data = dict(LIANJIANG)
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    message = str(refused(str(path)))
    assert f"field '{field}'" in message and en in message
    assert f"字段“{field}”" in message and zh in message


def test_json_that_is_not_an_object_exits_2():
    message = str(refused("-", stdin=io.StringIO("[1, 2, 3]")))
    assert "characteristics" in message and "标准输入" in message


def test_console_script_exits_2_with_the_message_on_stderr(tmp_path):
    """The operator's view: the real ``cityops`` script, its exit status and its streams."""
    cityops = Path(sys.executable).parent / "cityops"
    if not cityops.is_file():
        pytest.skip("the console script is not installed in the venv")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="cityops.settings", CITYOPS_VAR_DIR=str(tmp_path))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**LIANJIANG, "fiscal_room": 7}), encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(LIANJIANG), encoding="utf-8")
    result = subprocess.run(
        [str(cityops), "portfolio", "advise", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "fiscal_room" in result.stderr and "字段" in result.stderr
    assert result.stdout == ""
    result = subprocess.run(
        [str(cityops), "portfolio", "advise", "-"],
        input=good.read_text(),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ranking"][0]["model"] == "epc"


def test_portfolio_needs_a_subcommand():
    with pytest.raises(CommandError, match="SUBCOMMAND"):
        call_command("portfolio")
