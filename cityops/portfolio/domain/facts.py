"""What the engines read about a project and its portfolio: plain, immutable data.

Amounts are in 万元 (10,000 CNY) as Decimal; shares are fractions (0.10 = 10%); years are
calendar years or durations in whole years as named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .vocab import (
    InvestmentSubject,
    OperationModel,
    OperationObject,
    OtherIncome,
    PPPSubtype,
    ReturnMechanism,
    ServiceCategory,
)


@dataclass(frozen=True)
class ProjectFacts:
    code: str
    name: str
    region_code: str
    operation_model: OperationModel
    operation_objects: frozenset[OperationObject] = frozenset()
    investment_subject: InvestmentSubject | None = None
    return_mechanism: ReturnMechanism | None = None
    other_income: frozenset[OtherIncome] = frozenset()
    ppp_subtype: PPPSubtype | None = None
    approval_date: dt.date | None = None  # decides the PPP regime (2019 rules vs 2023 mechanism)
    start_year: int | None = None
    total_investment_wan: Decimal = Decimal(0)
    construction_share: Decimal = Decimal(0)  # share of the investment that is works
    build_years: int = 0
    operation_years: int = 0
    # government purchase of services
    contract_term_years: Decimal | None = None  # one contract's term
    renewals: int = 0  # how many times a contract of this term may be renewed
    content_fixed: bool = False  # 服务内容固定
    continuity_strong: bool = False  # 连续性强
    funding_stable: bool = False  # 经费来源稳定
    prices_stable: bool = False  # 价格变化幅度小
    service_category: ServiceCategory = ServiceCategory.SERVICE
    # PPP
    user_payment_share: Decimal = Decimal(0)  # of the project's expected revenue
    bundled_unrelated_parts: bool = False  # unrelated government-pay items packaged together
    concession: bool = False  # carried out as a concession (特许经营)
    adds_fiscal_burden: bool = False  # new fiscal expenditure obligations (post-2023 rule)
    # EPC
    has_operations_handover_plan: bool = False
    # platform / joint company: which company, if any
    company_id: int | None = None


@dataclass(frozen=True)
class PortfolioContext:
    """Facts about the rest of the portfolio that a rule about one project needs."""

    # platform companies per county-level (or city-level) region code
    platform_companies_by_region: dict[str, int] = field(default_factory=dict)
    # PPP fiscal liability share of the general public budget expenditure, by year
    ppp_share_by_year: dict[int, Decimal] = field(default_factory=dict)
    # the same, for government-pay PPP only
    government_pay_ppp_share_by_year: dict[int, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class FiscalInputs:
    """One PPP/VGF project's fiscal liabilities (财金〔2015〕21号 fiscal-affordability guide)."""

    project_code: str
    government_pay: bool  # government payment (not VGF): counts toward the 5% line
    first_operation_year: int  # calendar year the operation (and subsidy) starts
    build_start_year: int
    build_years: int
    subsidy_years: int  # 补贴周期 / cooperation period of operation
    total_construction_cost_wan: Decimal
    reasonable_profit_rate: Decimal  # 合理利润率, e.g. 0.06
    discount_rate: Decimal  # 年度折现率, e.g. 0.045
    annual_operating_cost_wan: Decimal
    annual_user_payment_wan: Decimal  # 当年使用者付费 (assumed level over the period)
    government_equity_wan: Decimal = Decimal(0)  # 股权投资支出, spread over the build years
    risk_share_of_subsidy: Decimal = Decimal(0)  # 风险承担支出 as a share of the yearly subsidy
    supporting_inputs_wan: Decimal = Decimal(0)  # 配套投入, spent in the first build year
