"""Deterministic synthetic data for the policy engine: an enterprise registry and a policy set.

* ``registry(n, seed)``: a polars frame of ``n`` enterprise profiles registered in Guangdong
  (GB/T 2260 44xxxx), with real code formats — every 统一社会信用代码 has a valid GB 32100 check
  character (and a valid GB 11714 organisation-code check) and is unique; GB/T 4754 class codes
  of existing divisions — and skewed, correlated distributions (most firms small, a few large;
  high-tech firms spend more on R&D and hold more patents). Some values are unknown (null) at
  realistic rates. Vectorised with numpy: 500,000 rows in a few seconds.
* ``policies(n, seed)``: YAML texts of ``n`` enterprise-support policies from 23 departments at
  the national, provincial, city and county levels, built from templates that share conditions
  as real policy sets do (high-tech certified, 专精特新, revenue bands, industry prefixes,
  regions, employee counts, R&D intensity, age, tax credit rating), some 免申即享, some in
  exclusivity groups, benefits with formulas and caps. ``parsed=True`` returns Policy objects.

The same seed gives the same data. The 文号 are invented, in the real formats.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import numpy as np
import polars as pl
import yaml

from cityops.core import codes, industries, regions

AS_OF = date(2025, 6, 30)  # the registry's reference date (ages, founding dates)
PROVINCE = "440000"

# --- regions and industries ---------------------------------------------------------------------

# share of the province's enterprises per prefecture (Guangdong's economy is concentrated in the
# Pearl River Delta); the remaining prefectures share the rest equally
_PREFECTURE_WEIGHT = {"4401": 20, "4403": 27, "4406": 9, "4419": 9, "4413": 4, "4420": 3,
                      "4404": 3, "4407": 3, "4405": 3, "4408": 2, "4409": 1.5, "4412": 1.5,
                      "4452": 1.5, "4451": 1}


@cache
def _registerable_regions() -> tuple[tuple[str, ...], np.ndarray]:
    """County-level codes of the province (and the prefectures that have none: 东莞, 中山),
    with their weights."""
    within = regions.regions_within(PROVINCE)
    prefectures = [c for c in within if regions.region_level(c) == "prefecture"]
    out, weights = [], []
    rest = max(0.0, 100 - sum(_PREFECTURE_WEIGHT.values()))
    others = [p for p in prefectures if p[:4] not in _PREFECTURE_WEIGHT]
    for p in prefectures:
        share = _PREFECTURE_WEIGHT.get(p[:4], rest / max(1, len(others)))
        counties = [c for c in within if c[:4] == p[:4] and regions.region_level(c) == "county"]
        if not counties:
            counties = [p]
        # urban districts (01–19) hold more firms than counties (20–79) and county cities (80+)
        w = np.array([3.0 if int(c[4:]) < 20 else 1.5 if int(c[4:]) >= 80 else 1.0
                      for c in counties])
        out.extend(counties)
        weights.extend(share * w / w.sum())
    weights = np.array(weights)
    return tuple(out), weights / weights.sum()


# share of firms per GB/T 4754 division (wholesale and retail, business services and
# manufacturing dominate a registry)
_DIVISION_WEIGHT = {
    "51": 16, "52": 12, "72": 8, "65": 5, "64": 2, "63": 1, "73": 1.5, "74": 2, "75": 2.5,
    "47": 1.5, "48": 1.5, "49": 1, "50": 2, "61": 1, "62": 3, "54": 1.5, "58": 1, "59": 1,
    "70": 3, "71": 1, "80": 1.5, "81": 1, "82": 1, "01": 1, "03": 0.5, "05": 0.5, "86": 0.5,
    "87": 0.5, "88": 0.5, "89": 0.3, "90": 0.4, "66": 0.3, "67": 0.2, "69": 0.5, "84": 0.6,
    "83": 0.6, "77": 0.4, "78": 0.3, "44": 0.3,
    # manufacturing
    "13": 0.6, "14": 0.6, "15": 0.3, "17": 0.6, "18": 1.2, "19": 0.5, "20": 0.3, "21": 0.8,
    "22": 0.4, "23": 0.5, "24": 0.8, "26": 1.0, "27": 0.5, "29": 1.2, "30": 0.6, "31": 0.3,
    "32": 0.4, "33": 1.5, "34": 1.6, "35": 1.2, "36": 0.6, "38": 2.2, "39": 2.5, "40": 0.5,
    "41": 0.4, "42": 0.2, "43": 0.2,
}
_TECH_DIVISIONS = {"26", "27", "34", "35", "36", "38", "39", "40", "63", "64", "65", "73", "74",
                   "75"}


@cache
def _divisions() -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
    divs = tuple(d for d in _DIVISION_WEIGHT if industries.is_industry(d))
    w = np.array([_DIVISION_WEIGHT[d] for d in divs], float)
    manufacturing = np.array([industries.industry_section(d) == "C" for d in divs])
    tech = np.array([d in _TECH_DIVISIONS for d in divs])
    return divs, w / w.sum(), manufacturing, tech


# --- USCC ----------------------------------------------------------------------------------------

_ALPHABET = np.frombuffer(codes.USCC_ALPHABET.encode(), np.uint8)
_USCC_VALUE = np.full(128, -1, np.int64)
_USCC_VALUE[_ALPHABET] = np.arange(len(_ALPHABET))
_ORG_VALUE = np.full(128, -1, np.int64)  # GB 11714: digits keep their value, A..Z are 10..35
_ORG_VALUE[48:58] = np.arange(10)
_ORG_VALUE[65:91] = np.arange(10, 36)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative ints as an (n, width) array of ASCII digits."""
    out = np.empty((values.size, width), np.uint8)
    v = values.astype(np.int64)
    for k in range(width - 1, -1, -1):
        out[:, k] = 48 + v % 10
        v //= 10
    return out


def uscc_array(region_codes: np.ndarray, serial: np.ndarray, new_style: np.ndarray,
               seed: int) -> np.ndarray:
    """Unique, valid USCCs (an (n, 18) ASCII array) for enterprises (registration authority 9
    市场监管, category 1 企业).

    The organisation code body is a bijection of ``serial`` (distinct serials give distinct
    bodies): 8 digits for older firms, ``MA`` + 6 characters of the USCC alphabet for firms
    registered since the 2015 reform (``new_style``), as in 91440300MA5DXXXXXX.
    """
    n = serial.size
    out = np.empty((n, 18), np.uint8)
    out[:, 0] = ord("9")
    out[:, 1] = ord("1")
    out[:, 2:8] = _digits(region_codes, 6)
    rng = np.random.default_rng(seed)
    # old style: an affine bijection of [0, 10^8)
    m_old = 10**8
    a_old = int(rng.integers(1, m_old // 7)) * 2 + 1
    while a_old % 5 == 0:
        a_old += 2
    body_old = _digits((a_old * serial.astype(np.int64) + int(rng.integers(m_old))) % m_old, 8)
    # new style: MA + 6 base-31 characters, an affine bijection of [0, 31^6)
    m_new = 31**6
    a_new = int(rng.integers(1, m_new // 31)) * 31 + 1  # coprime to 31
    v = (a_new * serial.astype(np.int64) + int(rng.integers(m_new))) % m_new
    body_new = np.empty((n, 8), np.uint8)
    body_new[:, 0] = ord("M")
    body_new[:, 1] = ord("A")
    for k in range(7, 1, -1):
        body_new[:, k] = _ALPHABET[v % 31]
        v //= 31
    body = np.where(new_style[:, None], body_new, body_old)
    out[:, 8:16] = body
    org = (_ORG_VALUE[body] * np.array([3, 7, 9, 10, 5, 8, 4, 2])).sum(axis=1)
    c9 = 11 - org % 11
    out[:, 16] = np.where(c9 == 10, ord("X"), np.where(c9 == 11, ord("0"), 48 + c9 % 10))
    total = (_USCC_VALUE[out[:, :17]] * np.array(codes.USCC_WEIGHTS)).sum(axis=1)
    out[:, 17] = _ALPHABET[(31 - total % 31) % 31]
    return out


def _strings(ascii_rows: np.ndarray) -> pl.Series:
    width = ascii_rows.shape[1]
    return pl.Series(np.ascontiguousarray(ascii_rows).view(f"S{width}").ravel()).cast(pl.String)


# --- names ---------------------------------------------------------------------------------------

_TRADE = list("华鑫腾创达信博远安润泰恒盛瑞新和宏嘉源德永隆昌丰汇聚星辰海天力")
_TERMS = {
    "C": ["精密制造", "电子", "新材料", "智能装备", "五金制品", "塑胶", "机械", "电器", "光电"],
    "I": ["信息技术", "软件", "网络科技", "数据科技", "智能科技"],
    "F": ["贸易", "商贸", "供应链", "进出口", "实业"],
    "M": ["检测技术", "科技", "生物科技", "工程技术"],
    "L": ["企业管理", "商务服务", "咨询", "人力资源"],
    "": ["实业", "发展", "服务", "科技", "投资"],
}


def _names(rng, n, region_idx, region_list, section_of) -> pl.Series:
    city = [regions.region_name(c[:4] + "00") or regions.region_name(c) or "广东"
            for c in region_list]
    city = [c.removesuffix("市") for c in city]
    trade_a = rng.integers(0, len(_TRADE), n)
    trade_b = rng.integers(0, len(_TRADE), n)
    terms_all = sorted({t for v in _TERMS.values() for t in v})
    term_idx = np.empty(n, np.int64)
    for sec in np.unique(section_of):
        rows = np.flatnonzero(section_of == sec)
        pool = [terms_all.index(t) for t in _TERMS.get(sec, _TERMS[""])]
        term_idx[rows] = np.asarray(pool)[rng.integers(0, len(pool), rows.size)]
    frame = pl.DataFrame({
        "city": pl.Series(np.asarray(city, dtype=object)[region_idx].tolist(), dtype=pl.String),
        "a": pl.Series(np.asarray(_TRADE, dtype=object)[trade_a].tolist(), dtype=pl.String),
        "b": pl.Series(np.asarray(_TRADE, dtype=object)[trade_b].tolist(), dtype=pl.String),
        "t": pl.Series(np.asarray(terms_all, dtype=object)[term_idx].tolist(), dtype=pl.String),
    })
    return frame.select(pl.concat_str(["city", "a", "b", "t", pl.lit("有限公司")]))\
        .to_series().alias("name")


# --- the registry --------------------------------------------------------------------------------


def _null(values: np.ndarray, rng, rate: float) -> np.ndarray:
    """Floats with a share ``rate`` set to NaN (not reported)."""
    out = values.astype(float)
    out[rng.random(values.size) < rate] = np.nan
    return out


def _nullable(name: str, values, mask: np.ndarray, dtype) -> pl.Series:
    s = pl.Series(name, values, dtype=dtype)
    if mask.any():
        s = pl.select(pl.when(pl.Series(mask)).then(None).otherwise(pl.lit(s))).to_series()
    return s.alias(name)


def registry(n: int = 500_000, seed: int = 20250630, *, as_of: date = AS_OF) -> pl.DataFrame:
    """``n`` synthetic enterprise profiles (see the module doc); the columns of
    ``attributes.REGISTRY``."""
    rng = np.random.default_rng(seed)
    region_list, region_w = _registerable_regions()
    region_idx = rng.choice(len(region_list), n, p=region_w)
    region_int = np.array([int(c) for c in region_list])[region_idx]
    divs, div_w, div_manu, div_tech = _divisions()
    div_idx = rng.choice(len(divs), n, p=div_w)
    manufacturing = div_manu[div_idx]
    tech = div_tech[div_idx]
    cls = (np.array([int(d) for d in divs])[div_idx] * 100 + rng.integers(1, 5, n) * 10
           + rng.integers(1, 10, n))
    industry = _strings(_digits(cls, 4))
    section_of = np.array([industries.industry_section(d) or "" for d in divs])[div_idx]

    age_days = np.minimum(rng.exponential(7.0 * 365.25, n), 40 * 365.25).astype(np.int64)
    founded = np.datetime64(as_of) - age_days.astype("timedelta64[D]")
    new_style = founded >= np.datetime64("2015-10-01")

    employees = np.clip(np.round(rng.lognormal(np.log(12), 1.3, n)), 1, 200_000)
    employees = np.where(manufacturing, np.round(employees * 2.5), employees)
    per_employee = rng.lognormal(np.log(45), 0.8, n)
    revenue = np.round(employees * per_employee, 2)
    assets = np.round(revenue * rng.lognormal(np.log(0.9), 0.7, n), 2)
    tax_paid = np.round(revenue * rng.uniform(0.005, 0.06, n), 2)

    p_high = np.where(tech, 0.25, np.where(manufacturing, 0.08, 0.015))
    p_high = np.where(employees >= 100, p_high * 1.6, p_high)
    high_tech = rng.random(n) < p_high
    small = (employees < 500) & (revenue < 20_000)
    tech_sme = small & (rng.random(n) < np.where(tech, 0.15, np.where(manufacturing, 0.05, 0.01)))
    rd_share = np.where(
        high_tech | tech_sme, rng.uniform(0.03, 0.12, n),
        np.where(rng.random(n) < 0.6, 0.0, rng.uniform(0.0, 0.04, n)),
    )
    rd_expense = np.round(revenue * rd_share, 2)
    patents_invention = rng.poisson(np.where(high_tech, 6.0, np.where(tech_sme, 2.0, 0.1)))
    patents_total = patents_invention + rng.poisson(np.where(high_tech | tech_sme, 10.0, 0.5))

    sme = employees < 1000
    r = rng.random(n)
    p_nat = np.where(sme & (manufacturing | tech), 0.008, 0.0005)
    p_prov = np.where(sme & (manufacturing | tech), 0.05, 0.005)
    specialised = np.where(r < p_nat, 2, np.where(r < p_nat + p_prov, 1, 0))

    rating = rng.choice(5, n, p=[0.3, 0.45, 0.15, 0.06, 0.04])
    rating = np.where(age_days < 365, 2, rating)  # new firms are rated M
    exporter = rng.random(n) < np.where(manufacturing, 0.3, 0.05)
    exports = np.where(exporter, np.round(revenue * rng.uniform(0.1, 0.8, n), 2), 0.0)

    lr = rng.random(n)
    big = revenue >= 30_000
    listed = np.where(lr < 0.008, 1, 0)
    listed = np.where(big & (lr < 0.06), rng.choice([2, 3, 4, 5, 6], n), listed)
    ownership = rng.choice(5, n, p=[0.88, 0.04, 0.04, 0.03, 0.01])
    graduates = rng.poisson(employees * 0.02)
    green = manufacturing & (employees > 100) & (rng.random(n) < 0.05)

    serial = rng.permutation(n)
    uscc = _strings(uscc_array(region_int, serial, new_style, seed))

    def enum(name, values, idx, rate):
        mask = rng.random(n) < rate
        return _nullable(name, np.asarray(values, dtype=object)[idx].tolist(), mask,
                         pl.Enum(list(values)))

    founded_mask = rng.random(n) < 0.005
    frame = pl.DataFrame([
        uscc.alias("uscc"),
        _names(rng, n, region_idx, region_list, section_of),
        industry.alias("industry_code"),
        pl.Series("region_code", np.asarray(region_list, dtype=object)[region_idx].tolist(),
                  dtype=pl.String),
        _nullable("founded_on", founded, founded_mask, pl.Date),
        enum("ownership", ["private", "state", "foreign", "hmt", "collective"], ownership, 0.01),
        pl.Series("employees", _null(employees, rng, 0.02), nan_to_null=True).cast(pl.Int32),
        pl.Series("revenue_wan", _null(revenue, rng, 0.04), nan_to_null=True),
        pl.Series("assets_wan", _null(assets, rng, 0.06), nan_to_null=True),
        pl.Series("tax_paid_wan", _null(tax_paid, rng, 0.05), nan_to_null=True),
        pl.Series("rd_expense_wan", _null(rd_expense, rng, 0.12), nan_to_null=True),
        pl.Series("patents_invention", _null(patents_invention, rng, 0.05),
                  nan_to_null=True).cast(pl.Int32),
        pl.Series("patents_total", _null(patents_total, rng, 0.05),
                  nan_to_null=True).cast(pl.Int32),
        _nullable("high_tech", high_tech, rng.random(n) < 0.01, pl.Boolean),
        enum("specialised_sme", ["none", "province", "national"], specialised, 0.02),
        _nullable("tech_sme", tech_sme, rng.random(n) < 0.03, pl.Boolean),
        enum("tax_credit_rating", ["A", "B", "M", "C", "D"], rating, 0.10),
        pl.Series("export_wan", _null(exports, rng, 0.08), nan_to_null=True),
        enum("listed", ["none", "new_third_board", "beijing", "sme_board", "chinext",
                        "star_market", "main"], listed, 0.01),
        pl.Series("graduates_hired", _null(graduates, rng, 0.15), nan_to_null=True).cast(
            pl.Int32),
        _nullable("green_factory", green, rng.random(n) < 0.2, pl.Boolean),
    ])
    return frame


# --- policies ------------------------------------------------------------------------------------

# 23 departments: key, Chinese name stem, 文号 abbreviation
DEPARTMENTS = (
    ("science", "科学技术", "科"), ("industry", "工业和信息化", "工信"), ("finance", "财政", "财"),
    ("hr", "人力资源和社会保障", "人社"), ("commerce", "商务", "商"), ("tax", "税务", "税"),
    ("financial_regulation", "地方金融管理", "金"), ("ip", "知识产权", "知"),
    ("market", "市场监督管理", "市监"), ("ecology", "生态环境", "环"), ("agriculture", "农业农村", "农"),
    ("culture", "文化和旅游", "文旅"), ("development", "发展和改革", "发改"),
    ("transport", "交通运输", "交"), ("housing", "住房和城乡建设", "建"), ("health", "卫生健康", "卫"),
    ("pboc", "人民银行", "银"), ("data", "政务服务和数据管理", "政数"), ("education", "教育", "教"),
    ("customs", "海关", "关"), ("energy", "能源", "能"), ("sasac", "国有资产监督管理", "国资"),
    ("natural_resources", "自然资源", "自然资源"),
)
_DEPT = {k: (name, abbr) for k, name, abbr in DEPARTMENTS}
LEVEL_SHARE = (("national", 0.04), ("province", 0.2), ("city", 0.46), ("county", 0.3))
_CITY_ABBR = {"4401": "穗", "4403": "深", "4404": "珠", "4405": "汕", "4406": "佛", "4407": "江",
              "4419": "东", "4420": "中", "4413": "惠"}


def _c(attr, op, value=None):
    d = {"attr": attr, "op": op}
    if value is not None:
        d["value"] = value
    return d


def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


# Each template: (department, title, benefit kind, builder(rng) -> (conditions, benefits, group))
def _t_high_tech(rng):
    amount = _pick(rng, [10, 20, 30, 50])
    conds = [_c("high_tech", "is_true")]
    if rng.random() < 0.4:
        conds.append(_c("tax_credit_rating", "not_in", ["C", "D"]))
    return conds, [{"kind": "subsidy", "name": "高新技术企业认定奖励", "amount": amount}], "high-tech"


def _t_cultivate(rng):
    conds = [_c("tech_sme", "is_true"), _c("high_tech", "is_false"),
             _c("rd_intensity", ">=", _pick(rng, [3, 4, 5])),
             _c("patents_invention", ">=", _pick(rng, [1, 2]))]
    return conds, [{"kind": "subsidy", "name": "高企培育入库奖励", "amount": _pick(rng, [5, 10, 20])}], \
        "high-tech"


def _t_rd(rng):
    rate = _pick(rng, [0.05, 0.1])
    cap = _pick(rng, [100, 200, 500, 1000])
    conds = [_c("rd_expense_wan", ">=", _pick(rng, [100, 200, 500])),
             _c("rd_intensity", ">=", _pick(rng, [3, 5])),
             {"any": [_c("high_tech", "is_true"), _c("tech_sme", "is_true")]}]
    return conds, [{"kind": "subsidy", "name": "研发费用后补助",
                    "amount": f"min(rd_expense_wan * {rate}, {cap})", "cap_wan": cap}], "rd-subsidy"


def _t_specialised(rng):
    if rng.random() < 0.5:
        conds = [_c("specialised_sme", "==", "national")]
        amount = _pick(rng, [50, 100])
    else:
        conds = [_c("specialised_sme", "in", ["province", "national"])]
        amount = _pick(rng, [20, 30])
    if rng.random() < 0.5:
        conds.append(_c("industry_code", "prefix_in", ["C"]))
    return conds, [{"kind": "subsidy", "name": "专精特新企业奖励", "amount": amount}], "specialised"


def _t_upgrade(rng):
    conds = [_c("industry_code", "prefix_in", _pick(rng, [["C"], ["C38", "C39"], ["C34", "C35"],
                                                         ["C26", "C29"]])),
             _c("assets_wan", ">=", _pick(rng, [2000, 5000, 10000])),
             _c("revenue_wan", ">=", _pick(rng, [2000, 5000])),
             _c("tax_credit_rating", "in", ["A", "B"])]
    cap = _pick(rng, [200, 500])
    return conds, [{"kind": "loan_interest", "name": "技术改造贷款贴息",
                    "amount": f"min(assets_wan * 0.02, {cap})", "cap_wan": cap}], "upgrade"


def _t_scale_up(rng):
    conds = [_c("industry_code", "prefix_in", ["C"]), _c("revenue_wan", ">=", 2000),
             _c("employees", ">=", 20), _c("age_years", "<=", _pick(rng, [3, 5]))]
    return conds, [{"kind": "subsidy", "name": "小升规奖励", "amount": _pick(rng, [5, 10, 20])}], \
        "scale-up"


def _t_jobs(rng):
    conds = [_c("employees", ">=", _pick(rng, [20, 50, 100])),
             _c("tax_credit_rating", "in", _pick(rng, [["A"], ["A", "B"]]))]
    return conds, [{"kind": "subsidy", "name": "稳岗返还",
                    "amount": f"min(employees * {_pick(rng, [0.03, 0.05])}, 300)"}], None


def _t_graduates(rng):
    conds = [_c("graduates_hired", ">=", _pick(rng, [1, 3, 5]))]
    if rng.random() < 0.5:
        conds.append(_c("employees", "<=", 300))
    return conds, [{"kind": "subsidy", "name": "吸纳高校毕业生补贴",
                    "amount": "graduates_hired * 0.15", "cap_wan": 50}], "employment"


def _t_trade(rng):
    conds = [_c("export_wan", ">=", _pick(rng, [500, 1000, 5000]))]
    if rng.random() < 0.5:
        conds.append(_c("tax_credit_rating", "not_in", ["C", "D"]))
    cap = _pick(rng, [50, 100])
    return conds, [{"kind": "subsidy", "name": "外贸发展专项资金",
                    "amount": f"min(export_wan * 0.002, {cap})", "cap_wan": cap}], "trade"


def _t_foreign(rng):
    conds = [_c("ownership", "in", ["foreign", "hmt"]),
             _c("revenue_wan", ">=", _pick(rng, [5000, 10000, 20000]))]
    return conds, [{"kind": "subsidy", "name": "外资企业增资奖励",
                    "amount": "min(revenue_wan * 0.001, 200)"}], None


def _t_listing(rng):
    if rng.random() < 0.4:
        conds = [_c("listed", "==", "new_third_board")]
        amount = _pick(rng, [50, 100])
    else:
        conds = [_c("listed", "in", ["beijing", "chinext", "star_market", "main"])]
        amount = _pick(rng, [200, 300, 500])
    return conds, [{"kind": "subsidy", "name": "企业上市奖励", "amount": amount}], "listing"


def _t_small_tax(rng):
    conds = [_c("employees", "<=", 300), _c("assets_wan", "<=", 5000),
             _c("revenue_wan", "<=", _pick(rng, [3000, 5000]))]
    return conds, [{"kind": "tax_relief", "name": "小型微利企业所得税减免",
                    "amount": "min(revenue_wan * 0.01, 30)"}], None


def _t_super_deduction(rng):
    conds = [_c("rd_expense_wan", ">", 0),
             {"not": _c("industry_code", "prefix_in", ["16", "F", "H", "70", "L", "90"])}]
    return conds, [{"kind": "tax_relief", "name": "研发费用加计扣除",
                    "amount": "rd_expense_wan * 1.0 * 0.25"}], None


def _t_digital(rng):
    conds = [_c("industry_code", "prefix_in", ["C"]), _c("employees", ">=", _pick(rng, [20, 50])),
             _c("revenue_wan", "between", _pick(rng, [[500, 20000], [2000, 50000]]))]
    return conds, [{"kind": "subsidy", "name": "中小企业数字化转型补助",
                    "amount": "min(revenue_wan * 0.001, 50)", "cap_wan": 50}], "digital"


def _t_patents(rng):
    conds = [_c("patents_invention", ">=", _pick(rng, [5, 10, 20]))]
    per = _pick(rng, [0.5, 1])
    cap = _pick(rng, [20, 50])
    return conds, [{"kind": "subsidy", "name": "发明专利资助",
                    "amount": f"min(patents_invention * {per}, {cap})"}], None


def _t_green(rng):
    conds = [_c("green_factory", "is_true")]
    if rng.random() < 0.5:
        conds.append(_c("industry_code", "prefix_in", ["C"]))
    return conds, [{"kind": "subsidy", "name": "绿色工厂奖励", "amount": _pick(rng, [20, 50])}], "green"


def _t_agri(rng):
    conds = [_c("industry_code", "prefix_in", ["A", "13", "14"]),
             _c("revenue_wan", ">=", _pick(rng, [1000, 5000]))]
    return conds, [{"kind": "loan_interest", "name": "农业龙头企业贷款贴息",
                    "amount": "min(revenue_wan * 0.005, 100)"}], None


def _t_culture(rng):
    conds = [_c("industry_code", "prefix_in", ["R"]), _c("revenue_wan", ">=", _pick(rng, [300, 500]))]
    return conds, [{"kind": "subsidy", "name": "文化产业发展扶持", "amount": _pick(rng, [10, 20, 30])}], \
        None


def _t_headquarters(rng):
    conds = [_c("revenue_wan", ">=", _pick(rng, [50000, 100000])),
             _c("tax_paid_wan", ">=", _pick(rng, [2000, 5000]))]
    return conds, [{"kind": "subsidy", "name": "总部企业奖励",
                    "amount": "min(tax_paid_wan * 0.05, 1000)", "cap_wan": 1000}], "headquarters"


def _t_logistics(rng):
    conds = [_c("industry_code", "prefix_in", ["G"]), _c("employees", ">=", 50)]
    return conds, [{"kind": "subsidy", "name": "物流业降本增效补助", "amount": _pick(rng, [10, 20])}], None


def _t_construction(rng):
    conds = [_c("industry_code", "prefix_in", ["E"]), _c("revenue_wan", ">=", 10000),
             _c("tax_credit_rating", "==", "A")]
    return conds, [{"kind": "subsidy", "name": "建筑业企业做大做强奖励", "amount": 50}], None


def _t_pharma(rng):
    conds = [_c("industry_code", "prefix_in", ["27", "358"]), _c("high_tech", "is_true")]
    return conds, [{"kind": "subsidy", "name": "生物医药创新产品奖励", "amount": _pick(rng, [50, 100])}], \
        None


def _t_inclusive_loan(rng):
    conds = [_c("employees", "<=", 100), _c("revenue_wan", "between", [100, 5000]),
             _c("age_years", ">=", 1), _c("tax_credit_rating", "in", ["A", "B"]),
             {"any": [_c("tech_sme", "is_true"), _c("specialised_sme", "!=", "none"),
                      _c("patents_total", ">=", 1)]}]
    return conds, [{"kind": "loan_interest", "name": "普惠小微贷款贴息",
                    "amount": "min(revenue_wan * 0.003, 30)"}], "inclusive-loan"


def _t_startup(rng):
    conds = [_c("age_years", "<=", _pick(rng, [2, 3, 5])), _c("employees", "<=", _pick(rng, [50, 100]))]
    if rng.random() < 0.5:
        conds.append({"any": [_c("tech_sme", "is_true"), _c("patents_total", ">=", 1)]})
    return conds, [{"kind": "subsidy", "name": "初创企业补贴", "amount": _pick(rng, [3, 5, 10])}], \
        "startup"


def _t_aeo(rng):
    conds = [_c("export_wan", ">=", 1000), _c("tax_credit_rating", "==", "A")]
    return conds, [{"kind": "other", "name": "海关高级认证企业便利措施"}], None


def _t_land(rng):
    conds = [_c("industry_code", "prefix_in", ["C"]), _c("tax_paid_wan", ">=", _pick(rng, [500, 1000])),
             _c("revenue_per_employee", ">=", _pick(rng, [80, 100]))]
    return conds, [{"kind": "land", "name": "优先保障工业用地"}], None


def _t_talent(rng):
    conds = [_c("high_tech", "is_true"), _c("rd_intensity", ">=", 5)]
    return conds, [{"kind": "talent", "name": "高层次人才住房补贴",
                    "amount": _pick(rng, [10, 20])}], None


def _t_soe(rng):
    conds = [_c("ownership", "==", "state"), _c("rd_intensity", ">=", _pick(rng, [2, 3]))]
    return conds, [{"kind": "subsidy", "name": "国有企业科技创新奖励", "amount": 30}], None


def _t_energy(rng):
    conds = [_c("industry_code", "prefix_in", ["C", "D"]), _c("green_factory", "is_true"),
             _c("employees", ">=", 100)]
    return conds, [{"kind": "subsidy", "name": "节能降碳改造补助", "amount": "min(assets_wan * 0.005, 100)"}], \
        "green"


def _t_education(rng):
    conds = [_c("graduates_hired", ">=", 10), _c("high_tech", "is_true")]
    return conds, [{"kind": "talent", "name": "校企合作实习基地补贴", "amount": 10}], None


def _t_finance_bureau(rng):
    conds = [_c("revenue_wan", "between", [2000, 40000]), _c("age_years", ">=", 3),
             {"not": _c("tax_credit_rating", "in", ["C", "D"])}]
    return conds, [{"kind": "loan_interest", "name": "中小企业融资贴息",
                    "amount": "min(revenue_wan * 0.002, 50)"}], "inclusive-loan"


def _t_market(rng):
    conds = [_c("age_years", "<=", 1), _c("employees", ">=", 5)]
    return conds, [{"kind": "subsidy", "name": "个体工商户转型升级为企业奖励", "amount": 2}], None


_TEMPLATES = (
    ("science", "高新技术企业认定奖励", _t_high_tech, 8), ("science", "高新技术企业培育", _t_cultivate, 5),
    ("science", "研发费用后补助", _t_rd, 8), ("industry", "专精特新中小企业奖励", _t_specialised, 7),
    ("industry", "技术改造专项资金", _t_upgrade, 5), ("industry", "小升规企业奖励", _t_scale_up, 4),
    ("hr", "失业保险稳岗返还", _t_jobs, 4), ("hr", "吸纳高校毕业生就业补贴", _t_graduates, 4),
    ("commerce", "外贸发展专项资金", _t_trade, 4), ("commerce", "外资企业奖励", _t_foreign, 2),
    ("financial_regulation", "企业上市挂牌奖励", _t_listing, 4),
    ("tax", "小型微利企业所得税优惠", _t_small_tax, 0.3),
    ("tax", "研发费用税前加计扣除", _t_super_deduction, 0.3),
    ("data", "中小企业数字化转型", _t_digital, 4), ("ip", "发明专利资助", _t_patents, 4),
    ("ecology", "绿色工厂奖励", _t_green, 2), ("agriculture", "农业产业化龙头企业扶持", _t_agri, 2),
    ("culture", "文化产业发展专项", _t_culture, 2), ("development", "总部企业认定奖励", _t_headquarters, 2),
    ("transport", "物流业降本增效", _t_logistics, 2), ("housing", "建筑业做大做强", _t_construction, 2),
    ("health", "生物医药产业扶持", _t_pharma, 2), ("pboc", "普惠小微贷款贴息", _t_inclusive_loan, 3),
    ("hr", "创业补贴", _t_startup, 3), ("customs", "海关高级认证企业培育", _t_aeo, 0.3),
    ("natural_resources", "工业用地保障", _t_land, 2), ("science", "高层次人才安居", _t_talent, 2),
    ("sasac", "国有企业创新激励", _t_soe, 1), ("energy", "节能降碳专项", _t_energy, 2),
    ("education", "校企合作", _t_education, 1), ("finance", "中小企业融资贴息", _t_finance_bureau, 3),
    ("market", "个转企奖励", _t_market, 1),
)
_NATIONAL_ONLY = {"tax", "customs"}
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _scope(rng, level) -> tuple[list[str], str]:
    """Region scope and the issuer's place name for a level."""
    region_list, region_w = _registerable_regions()
    if level == "national":
        return [], "国家"
    if level == "province":
        return ["44"], "广东省"
    code = region_list[int(rng.choice(len(region_list), p=region_w))]
    prefecture = code[:4]
    city = regions.region_name(prefecture + "00") or ""
    if level == "city" or code.endswith("00"):
        return [prefecture], city
    return [code], city + (regions.region_name(code) or "")


def _doc_number(level, dept, place, year, number, scope) -> str:
    name, abbr = _DEPT[dept]
    if level == "national":
        return f"国{abbr}发〔{year}〕{number}号"
    if level == "province":
        return f"粤{abbr}规〔{year}〕{number}号"
    city_abbr = _CITY_ABBR.get(scope[0][:4], place[:1])
    if level == "city":
        return f"{city_abbr}{abbr}规〔{year}〕{number}号"
    county = regions.region_name(scope[0]) or place
    return f"{county[:2]}{abbr}〔{year}〕{number}号"


def _issuer_name(level, dept, place) -> str:
    name = _DEPT[dept][0]
    if level == "national":
        return {"tax": "国家税务总局", "customs": "海关总署", "pboc": "中国人民银行"}.get(
            dept, f"国家{name}部门")
    suffix = "厅" if level == "province" else "局"
    return f"{place}{name}{suffix}"


def policies(n: int = 1200, seed: int = 20250630, *, parsed: bool = False) -> list:
    """``n`` synthetic policy YAML texts (or, with ``parsed``, Policy objects)."""
    rng = np.random.default_rng(seed)
    weights = np.array([t[3] for t in _TEMPLATES], float)
    weights /= weights.sum()
    levels = [lv for lv, _ in LEVEL_SHARE]
    level_p = np.array([s for _, s in LEVEL_SHARE])
    texts = []
    for i in range(n):
        dept, theme, build, _ = _TEMPLATES[int(rng.choice(len(_TEMPLATES), p=weights))]
        level = "national" if dept in _NATIONAL_ONLY else levels[int(rng.choice(4, p=level_p))]
        scope, place = _scope(rng, level)
        conds, benefits, group = build(rng)
        if level in ("city", "county") and rng.random() < 0.15:
            conds.append(_c("tax_credit_rating", "not_in", ["D"]))
        year = int(rng.integers(2021, 2026))
        start = date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        end = None if rng.random() < 0.3 else date(start.year + int(rng.integers(2, 6)), 12, 31)
        free = bool(rng.random() < (0.6 if benefits[0].get("amount") is not None
                                    and not isinstance(benefits[0]["amount"], str) else 0.15))
        doc = {
            "id": f"P{i + 1:05d}",
            "doc_number": _doc_number(level, dept, place, year, i + 1, scope),
            "title": f"{place}{theme}{'实施细则' if level in ('city', 'county') else '办法'}",
            "issuer": dept,
            "level": level,
            "region_scope": scope,
            "issued_on": start - timedelta(days=int(rng.integers(0, 20))),
            "effective_from": start,
            "effective_to": end,
            "free_application": free,
            "exclusivity_groups": [f"{group}-{scope[0] if scope else 'cn'}"] if group else [],
            "eligibility": {"all": conds},
            "benefits": benefits,
            "materials": ["申请表", "营业执照", "上年度财务审计报告"][: int(rng.integers(1, 4))],
            "guide": {
                "steps": ["网上申报", "主管部门审核", "公示", "资金拨付"][: 2 if free else 4],
                "channel": "粤商通" if level != "national" else "国家政务服务平台",
                "deadline": date(start.year, 12, 31),
                "contact": _issuer_name(level, dept, place),
            },
        }
        if end is None:
            del doc["effective_to"]
        texts.append(yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100))
    if not parsed:
        return texts
    from cityops.policy.engine.language import policy_parse

    return [policy_parse(t, source=f"synthetic #{k + 1}") for k, t in enumerate(texts)]
