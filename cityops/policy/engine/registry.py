"""Enterprise registry import: CSV, Excel or Parquet → a validated, typed polars frame, and a
report of the rejected rows (row number, field, value, reason in Chinese and English).

Nothing is half-loaded: a row with any bad field is rejected whole, and ``RegistryImport.ok`` says
whether every row passed; the caller decides whether to load the valid rows or refuse the file.

Checks: 统一社会信用代码 (18 characters, GB 32100 check character, unique in the file), name
present, GB/T 4754 industry codes (2–4 digits of an existing division), GB/T 2260 region codes
(6 digits, existing), dates, non-negative amounts and counts (counts whole), yes/no fields
(true/false, 1/0, 是/否, yes/no), enums (value or its Chinese label). Columns may be headed by
the attribute name or its Chinese label; unknown columns are ignored (and listed). Empty cells
are unknown (null).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from cityops.core import codes, industries, regions

from . import attributes as A
from .errors import PolicyError

REQUIRED = ("uscc", "name")
_USCC_EN = {
    "length": "The unified social credit code must have exactly 18 characters.",
    "charset": "The unified social credit code may use only digits and the capital letters "
               "A-H, J-N, P-R, T, U, W-Y.",
    "registration_authority": "The first character (registering authority) must be 1-9, A, N "
                              "or Y.",
    "region": "Characters 3 to 8 must be a 6-digit administrative division code.",
    "check_digit": "The check character does not match (GB 32100).",
}
_TRUE = {"true", "1", "是", "yes", "y", "t"}
_FALSE = {"false", "0", "否", "no", "n", "f"}

_ALPHA = np.frombuffer(codes.USCC_ALPHABET.encode(), np.uint8)
_VALUE = np.full(256, -1, np.int64)
_VALUE[_ALPHA] = np.arange(len(_ALPHA))


def dtype_of(attr: A.Attribute):
    return {
        "number": pl.Float64, "integer": pl.Int32, "bool": pl.Boolean, "date": pl.Date,
        "enum": pl.Enum(list(attr.values)) if attr.type == "enum" else None,
    }.get(attr.type, pl.String)


REGISTRY_SCHEMA = {a.name: dtype_of(a) for a in A.REGISTRY}


@dataclass(frozen=True)
class RejectedRow:
    row: int  # the row number in the file (CSV/Excel: the header is row 1)
    field: str
    value: str
    zh: str
    en: str


@dataclass
class RegistryImport:
    frame: pl.DataFrame  # the valid rows, typed (REGISTRY_SCHEMA)
    rejected: list[RejectedRow] = field(default_factory=list)
    total: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({r.row for r in self.rejected})

    def rejected_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            [(r.row, r.field, r.value, r.zh, r.en) for r in self.rejected],
            schema={"row": pl.Int64, "field": pl.String, "value": pl.String, "zh": pl.String,
                    "en": pl.String},
            orient="row",
        )


def registry_read(path: str | Path) -> tuple[pl.DataFrame, int]:
    """The raw table of a CSV, Excel (.xlsx) or Parquet file, and the file row number of its
    first data row."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy"), 2
    if suffix == ".parquet":
        return pl.read_parquet(path), 1
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        data = {h: [] for h in header if h}
        for r in rows:
            for h, v in zip(header, r, strict=False):
                if h:
                    data[h].append(None if v is None else v)
        wb.close()
        frame = pl.DataFrame({h: pl.Series(h, [_cell(v) for v in vs], dtype=pl.String)
                              for h, vs in data.items()})
        return frame, 2
    raise PolicyError("file", f"Unsupported file type {suffix!r}: use .csv, .xlsx or .parquet.",
                      f"不支持的文件类型 {suffix!r}：请使用 .csv、.xlsx 或 .parquet。")


def _cell(v) -> str | None:
    if v is None:
        return None
    if hasattr(v, "date") and callable(v.date):  # an Excel datetime
        return v.date().isoformat()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def registry_import(path: str | Path) -> RegistryImport:
    raw, first_row = registry_read(path)
    return registry_validate(raw, first_row=first_row)


def _rename(raw: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    by_label = {a.zh: a.name for a in A.REGISTRY}
    mapping, ignored = {}, []
    for col in raw.columns:
        key = col.strip()
        name = key if key in A.ATTRIBUTES and not A.ATTRIBUTES[key].derived else by_label.get(key)
        if name is None or name in mapping.values():
            ignored.append(col)
        else:
            mapping[col] = name
    return raw.select([pl.col(c).alias(n) for c, n in mapping.items()]), ignored


def _text(s: pl.Series) -> pl.Series:
    """A column as stripped strings with empty cells null."""
    s = s.cast(pl.String).str.strip_chars()
    return s.replace("", None)


def registry_validate(raw: pl.DataFrame, *, first_row: int = 2) -> RegistryImport:
    """Validate and type a raw registry table (see the module doc)."""
    frame, ignored = _rename(raw)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        labels = "、".join(A.ATTRIBUTES[c].zh for c in missing)
        raise PolicyError(",".join(missing), f"Required column(s) missing: {', '.join(missing)}.",
                          f"缺少必需的列：{labels}。")
    n = frame.height
    bad = np.zeros(n, bool)
    rejected: list[tuple[int, str, str, str, str]] = []
    columns: dict[str, pl.Series] = {}

    def reject(field_name: str, mask: np.ndarray, values: pl.Series, zh: str, en: str):
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        bad[idx] = True
        shown = values.gather(idx).cast(pl.String).to_list()
        rejected.extend((int(i) + first_row, field_name, v or "", zh, en)
                        for i, v in zip(idx, shown, strict=True))

    for attr in A.REGISTRY:
        name = attr.name
        if name not in frame.columns:
            columns[name] = pl.Series(name, [None] * n, dtype=REGISTRY_SCHEMA[name])
            continue
        s = frame.get_column(name)
        columns[name] = _validate_column(attr, s, reject)

    uscc = columns["uscc"]
    dup = uscc.is_duplicated().to_numpy() & ~uscc.is_first_distinct().to_numpy()
    reject("uscc", dup & uscc.is_not_null().to_numpy(), uscc,
           "统一社会信用代码在文件中重复。", "The unified social credit code appears twice in the file.")
    typed = pl.DataFrame(list(columns.values()))
    valid = typed.filter(pl.Series(~bad))
    rows = [RejectedRow(*r) for r in sorted(rejected, key=lambda r: (r[0], r[1]))]
    return RegistryImport(valid, rows, n, ignored)


def _validate_column(attr: A.Attribute, s: pl.Series, reject) -> pl.Series:
    name = attr.name
    t = attr.type
    label_zh, label_en = attr.zh, attr.en
    if t in ("number", "integer"):
        if s.dtype.is_numeric():
            x = s.cast(pl.Float64)
            unparsed = np.zeros(len(s), bool)
        else:
            text = _text(s).str.replace_all(",", "").str.replace_all("，", "")
            x = text.cast(pl.Float64, strict=False)
            unparsed = (x.is_null() & text.is_not_null()).to_numpy()
        reject(name, unparsed, s, f"{label_zh}不是数值。", f"{label_en} is not a number.")
        arr = x.fill_nan(None).to_numpy()
        with np.errstate(invalid="ignore"):
            neg = arr < 0
            frac = (t == "integer") & (np.floor(arr) != arr) & ~np.isnan(arr)
        reject(name, neg, s, f"{label_zh}不能为负数。", f"{label_en} must not be negative.")
        if t == "integer":
            reject(name, frac, s, f"{label_zh}应为整数。", f"{label_en} must be a whole number.")
            big = np.nan_to_num(arr) > 2**31 - 1
            reject(name, big, s, f"{label_zh}过大。", f"{label_en} is too large.")
            return pl.Series(name, np.where(neg | frac | big, np.nan, arr),
                             nan_to_null=True).cast(pl.Int32)
        return pl.Series(name, np.where(neg, np.nan, arr), nan_to_null=True)
    if t == "bool":
        if s.dtype == pl.Boolean:
            return s.alias(name)
        text = _text(s).str.to_lowercase()
        is_true = text.is_in(list(_TRUE))
        is_false = text.is_in(list(_FALSE))
        unknown = text.is_not_null() & ~is_true & ~is_false
        reject(name, unknown.to_numpy(), s, f"{label_zh}应为“是”或“否”。",
               f"{label_en} must be yes or no (true/false, 1/0, 是/否).")
        return pl.select(pl.when(pl.lit(is_true)).then(True).when(pl.lit(is_false)).then(False)
                         .otherwise(None)).to_series().alias(name)
    if t == "date":
        if s.dtype == pl.Date:
            return s.alias(name)
        if s.dtype == pl.Datetime:
            return s.dt.date().alias(name)
        text = _text(s).str.replace_all("/", "-").str.replace_all(r"\.", "-")
        d = text.str.to_date("%Y-%m-%d", strict=False)
        bad = (d.is_null() & text.is_not_null()).to_numpy()
        reject(name, bad, s, f"{label_zh}不是有效日期（YYYY-MM-DD）。",
               f"{label_en} is not a valid date (YYYY-MM-DD).")
        early = (d < A.date_value("1900-01-01")).fill_null(False).to_numpy()
        reject(name, early, s, f"{label_zh}早于 1900 年。", f"{label_en} is before 1900.")
        return d.alias(name)
    if t == "enum":
        text = _text(s)
        by_label = {zh: v for v, zh, _ in attr.choices} | {en: v for v, _, en in attr.choices} \
            | {v: v for v in attr.values}
        mapped = text.replace_strict(by_label, default=None, return_dtype=pl.String)
        bad = (mapped.is_null() & text.is_not_null()).to_numpy()
        reject(name, bad, s, f"{label_zh}应为：{'、'.join(attr.values)}。",
               f"{label_en} must be one of {', '.join(attr.values)}.")
        return mapped.cast(pl.Enum(list(attr.values))).alias(name)
    text = _text(s)
    if name == "uscc":
        present = text.is_not_null().to_numpy()
        reject(name, ~present, s, "缺少统一社会信用代码。", "The unified social credit code is missing.")
        problems = _uscc_problems(text)
        for key, (_, zh) in codes.USCC_PROBLEMS.items():
            mask = problems == key
            if mask.any():
                reject(name, mask, s, zh, _USCC_EN[key])
        return text.alias(name)
    if name == "name":
        reject(name, text.is_null().to_numpy(), s, "缺少企业名称。", "The enterprise name is missing.")
        return text.alias(name)
    if t == "code":
        uniques = text.drop_nulls().unique().to_list()
        if attr.code_kind == "industry":
            good = {c for c in uniques if c.isdigit() and 2 <= len(c) <= 4
                    and industries.is_industry(c)}
            zh = "行业代码不是有效的 GB/T 4754 代码（2–4 位数字，大类须存在）。"
            en = "The industry code is not a valid GB/T 4754 code (2 to 4 digits of an existing " \
                 "division)."
        else:
            good = {c for c in uniques if len(c) == 6 and c.isdigit() and regions.is_region(c)}
            zh = "行政区划代码不是有效的 GB/T 2260 代码（6 位）。"
            en = "The region code is not a valid GB/T 2260 code (6 digits)."
        bad = (text.is_not_null() & ~text.is_in(list(good))).to_numpy()
        reject(name, bad, s, zh, en)
        return text.alias(name)
    return text.alias(name)


def _uscc_problems(text: pl.Series) -> np.ndarray:
    """The first problem key per code (codes.uscc_problem's order), vectorised; "" when valid."""
    n = len(text)
    out = np.full(n, "", dtype=object)
    filled = text.fill_null("")
    lengths = filled.str.len_bytes().to_numpy()
    chars = filled.str.len_chars().to_numpy()
    out[(lengths != 18) | (chars != 18)] = "length"
    out[text.is_null().to_numpy()] = ""  # reported as missing
    ok18 = (lengths == 18) & (chars == 18)
    idx = np.flatnonzero(ok18)
    if idx.size:
        raw = np.frombuffer("".join(filled.gather(idx).to_list()).encode("ascii", "replace"),
                            np.uint8).reshape(-1, 18)
        values = _VALUE[raw]
        charset = (values < 0).any(axis=1)
        authority = ~np.isin(raw[:, 0], np.frombuffer(
            "".join(sorted(codes.USCC_REGISTRATION_AUTHORITIES)).encode(), np.uint8))
        region = ~((raw[:, 2:8] >= 48) & (raw[:, 2:8] <= 57)).all(axis=1)
        total = (np.where(values[:, :17] < 0, 0, values[:, :17]) * np.array(codes.USCC_WEIGHTS)
                 ).sum(axis=1)
        check = _ALPHA[(31 - total % 31) % 31] != raw[:, 17]
        key = np.where(charset, "charset", np.where(authority, "registration_authority",
                       np.where(region, "region", np.where(check, "check_digit", ""))))
        out[idx] = key
    return out
