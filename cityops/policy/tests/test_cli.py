"""``cityops policy check | match | explain``: line-numbered errors in English and Chinese with
exit code 2, a Parquet file whose pairs are the engine's, each condition explained."""

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from cityops.policy import synthetic
from cityops.policy.engine import BitsetEngine, compile_policies, in_force
from cityops.policy.engine.language import policy_load

from .support import build_world, condition_line, policy_text
from .support import in_force as put_in_force

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
ROOT = Path(__file__).resolve().parents[3]


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("policy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2
    return str(caught.value)


# -- check ---------------------------------------------------------------------------------


def test_check_accepts_the_example_policies():
    files = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    out, _err = run("check", *files)
    assert out.count(": OK — ") == len(files) >= 5
    assert "财政部 税务总局公告2023年第7号" in out


def test_check_names_each_problem_with_its_line_in_english_and_chinese(tmp_path):
    text = policy_text(conditions=['{attr: tech_sme, op: is_true}',
                                   '{attr: rd_intensty, op: ">=", value: 5}',
                                   '{attr: tax_credit_rating, op: in, value: [A, E]}'])
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    message = refused("check", str(path))
    first, second = condition_line(text, "rd_intensty"), condition_line(text, "[A, E]")
    assert f"{path}: line {first}, field eligibility.all[1].attr: unknown attribute " \
           "'rd_intensty'." in message
    assert f"{path}：第 {first} 行，字段 eligibility.all[1].attr：未知属性 'rd_intensty'。" in message
    assert f"line {second}, field eligibility.all[2].value[1]" in message
    assert f"第 {second} 行" in message


def test_check_of_a_missing_file_exits_2_naming_it(tmp_path):
    message = refused("check", str(tmp_path / "nowhere.yaml"))
    assert "nowhere.yaml" in message and "无法读取" in message


def test_the_check_command_exits_with_code_2_for_a_bad_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("doc_number: x\n", encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cityops.settings"}
    done = subprocess.run([sys.executable, "manage.py", "policy", "check", str(path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "field title: this field is missing." in done.stderr
    assert "字段 title：缺少此字段。" in done.stderr


# -- match ---------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path):
    """A registry of 3,000 synthetic enterprises and 60 synthetic policies as YAML files."""
    registry = tmp_path / "registry.parquet"
    synthetic.registry(3000, 7).write_parquet(registry)
    folder = tmp_path / "policies"
    folder.mkdir()
    for i, text in enumerate(synthetic.policies(60, 7)):
        (folder / f"p{i:03d}.yaml").write_text(text, encoding="utf-8")
    return registry, folder


def test_match_writes_a_parquet_file_whose_pairs_equal_the_engines(files, tmp_path):
    registry, folder = files
    out = tmp_path / "pairs.parquet"
    stdout, stderr = run("match", "--enterprises", str(registry), "--out", str(out),
                         "--policies", str(folder), "--as-of", "2025-06-30")
    written = pl.read_parquet(out)
    assert written.columns == ["row", "uscc", "policy_id", "benefit_wan"]
    frame = pl.read_parquet(registry)
    as_of = dt.date(2025, 6, 30)
    policies = in_force([policy_load(p) for p in sorted(folder.glob("*.yaml"))], as_of)
    expected = BitsetEngine().match(frame, compile_policies(policies), as_of=as_of)
    expected = expected.with_uscc(frame).with_columns(pl.col("policy_id").cast(pl.String))
    key = ["policy_id", "row"]
    assert written.height == expected.height > 100
    assert written.sort(key).equals(expected.sort(key))
    assert f"{written.height:,} pairs" in stdout and "3,000 enterprises" in stdout


def test_match_refuses_a_registry_with_a_bad_row_naming_it(files, tmp_path):
    _registry, folder = files
    bad = tmp_path / "bad.csv"
    rows = synthetic.registry(5, 1).with_columns(pl.col("founded_on").cast(pl.String))
    rows = rows.with_columns(pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("33X"))
                             .otherwise(pl.col("industry_code")).alias("industry_code"))
    rows.write_csv(bad)
    message = refused("match", "--enterprises", str(bad), "--out", str(tmp_path / "o.parquet"),
                      "--policies", str(folder))
    assert "row 4, industry_code (33X)" in message and "第 4 行" in message
    assert not (tmp_path / "o.parquet").exists()


def test_match_refuses_a_policy_directory_with_a_bad_policy(files, tmp_path):
    registry, folder = files
    (folder / "zz.yaml").write_text(policy_text(conditions=['{attr: nothing, op: is_true}']),
                                    encoding="utf-8")
    message = refused("match", "--enterprises", str(registry), "--out",
                      str(tmp_path / "o.parquet"), "--policies", str(folder))
    assert "zz.yaml" in message and "unknown attribute 'nothing'" in message


def test_match_takes_the_policies_in_force_from_the_database(personas, files, tmp_path):
    registry, _folder = files
    put_in_force(personas, policy_text(scope="44", conditions=['{attr: high_tech, op: is_true}']))
    out = tmp_path / "db.parquet"
    run("match", "--enterprises", str(registry), "--out", str(out))
    written = pl.read_parquet(out)
    frame = pl.read_parquet(registry)
    high_tech = frame.filter(pl.col("high_tech").fill_null(False)).height
    assert written.height == high_tech > 0


# -- explain -------------------------------------------------------------------------------


def test_explain_prints_each_condition_of_a_policy_for_an_enterprise_of_the_registry(
        personas):
    world = build_world(personas)
    policy = put_in_force(personas)
    out, _err = run("explain", "--policy", policy.doc_number, "--uscc", world.erin.uscc)
    lines = out.splitlines()
    assert lines[0].startswith("《研发费用补助办法》（杭科规〔2026〕1号，市级）：不符合")
    assert "    ✓ 科技型中小企业 是，要求为“是”（满足）" in lines
    assert "    ✗ 研发费用占比 3.2%，要求 ≥ 5%（不满足）" in lines
    assert any("营业收入 3,000 万元" in line for line in lines)
    english, _err = run("explain", "--policy", policy.doc_number, "--uscc", world.erin.uscc,
                        "--lang", "en")
    assert "✗ R&D intensity 3.2%, required ≥ 5% (not met)" in english


def test_explain_reads_a_policy_file_and_a_registry_file(tmp_path):
    frame = synthetic.registry(50, 3)
    path = tmp_path / "registry.parquet"
    frame.write_parquet(path)
    uscc = frame["uscc"][0]
    out, _err = run("explain", "--policy", str(EXAMPLES / "gd_stable_jobs.yaml"), "--uscc",
                    uscc, "--enterprises", str(path), "--as-of", "2025-06-30")
    assert out.startswith("《广东省失业保险稳岗返还实施办法》")
    assert "从业人数" in out and "纳税信用等级" in out


def test_explain_of_an_unknown_enterprise_exits_2(personas):
    build_world(personas)
    put_in_force(personas)
    message = refused("explain", "--policy", "杭科规〔2026〕1号", "--uscc",
                      "91330106MA00000000")
    assert "91330106MA00000000" in message and "企业库中没有" in message
    message = refused("explain", "--policy", "无此文号", "--uscc", "91330106MA00000000")
    assert "无此文号" in message
