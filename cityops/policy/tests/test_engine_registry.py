"""Registry import (registry.py): CSV, Excel and Parquet in, a typed frame and a report of the
rejected rows out; nothing half-loaded."""

import pytest
from openpyxl import Workbook

from cityops.policy import synthetic
from cityops.policy.engine import PolicyError, registry_import, registry_validate
from cityops.policy.engine.registry import REGISTRY_SCHEMA


def valid_uscc(seed: int) -> str:
    import random

    from cityops.core import codes

    return codes.uscc_generate(random.Random(seed), region_code="440305")


HEADER = "统一社会信用代码,企业名称,industry_code,region_code,founded_on,employees,revenue_wan," \
         "high_tech,tax_credit_rating,specialised_sme,颜色\n"


def test_csv_with_bad_rows_gives_a_report_and_only_valid_rows(tmp_path):
    a, b = valid_uscc(1), valid_uscc(2)
    bad_check = a[:17] + ("0" if a[17] != "0" else "1")
    csv = HEADER + "\n".join([
        f"{a},深圳甲科技有限公司,3911,440305,2020-01-15,120,\"2,500.5\",是,A,省级专精特新中小企业,红",
        f"{bad_check},深圳乙科技有限公司,3911,440305,2020-01-15,10,100,否,B,none,蓝",
        f"{b},深圳丙科技有限公司,9999,449999,2020/13/01,-3,lots,maybe,E,none,绿",
        f"{a},深圳甲科技有限公司（重复）,3911,440305,2020-01-15,120,2500,true,A,none,红",
        f"{valid_uscc(3)},,65,440306,,,,,,,",
    ]) + "\n"
    path = tmp_path / "registry.csv"
    path.write_text(csv, encoding="utf-8")
    result = registry_import(path)
    assert not result.ok and result.total == 5
    assert result.ignored_columns == ["颜色"]
    assert result.frame.height == 1  # only the first row passes every check
    first = result.frame.row(0, named=True)
    assert first["revenue_wan"] == 2500.5 and first["high_tech"] is True
    assert first["specialised_sme"] == "province" and first["employees"] == 120
    by_row = {}
    for r in result.rejected:
        by_row.setdefault(r.row, set()).add(r.field)
    assert by_row[3] == {"uscc"}  # file row 3 (the header is row 1): check character
    assert by_row[4] == {"industry_code", "region_code", "founded_on", "employees",
                         "revenue_wan", "high_tech", "tax_credit_rating"}
    assert by_row[5] == {"uscc"}  # duplicate
    assert by_row[6] == {"name"}
    check = next(r for r in result.rejected if r.row == 3)
    assert check.zh == "统一社会信用代码校验码错误。" and "check character" in check.en
    assert check.value == bad_check
    assert result.rejected_frame().height == len(result.rejected)


def test_missing_required_column_refuses_the_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("name,employees\n甲,3\n", encoding="utf-8")
    with pytest.raises(PolicyError) as e:
        registry_import(path)
    assert e.value.field == "uscc" and "统一社会信用代码" in e.value.zh


def test_excel_import(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["uscc", "name", "founded_on", "employees", "green_factory"])
    from datetime import datetime

    ws.append([valid_uscc(5), "东莞某制造有限公司", datetime(2018, 5, 1), 300, "否"])
    ws.append(["123", "坏代码公司", datetime(2018, 5, 1), 3.5, "是"])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    result = registry_import(path)
    assert result.frame.height == 1
    assert str(result.frame.item(0, "founded_on")) == "2018-05-01"
    assert {(r.row, r.field) for r in result.rejected} == {(3, "uscc"), (3, "employees")}


def test_parquet_of_the_synthetic_registry_is_all_valid(tmp_path):
    frame = synthetic.registry(5000, seed=4)
    path = tmp_path / "r.parquet"
    frame.write_parquet(path)
    result = registry_import(path)
    assert result.ok and result.frame.height == 5000
    assert result.frame.schema == REGISTRY_SCHEMA
    assert result.frame.equals(frame.select(list(REGISTRY_SCHEMA)))


def test_validate_takes_a_frame_with_row_numbers_from_one():
    import polars as pl

    raw = pl.DataFrame({"uscc": [valid_uscc(8), "short"], "name": ["甲", "乙"]})
    result = registry_validate(raw, first_row=1)
    assert [(r.row, r.field) for r in result.rejected] == [(2, "uscc")]
    assert result.rejected[0].zh == "统一社会信用代码应为18位。"
