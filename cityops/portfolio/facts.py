"""From rows to the pure engines' plain data."""

from __future__ import annotations

from .domain import vocab
from .domain.facts import FiscalInputs, ProjectFacts
from .models import Project


def project_facts(project: Project) -> ProjectFacts:
    return ProjectFacts(
        code=project.code,
        name=project.name,
        region_code=project.region_code,
        operation_model=vocab.OperationModel(project.operation_model),
        operation_objects=frozenset(vocab.OperationObject(c) for c in project.operation_object_list),
        investment_subject=vocab.InvestmentSubject(project.investment_subject)
        if project.investment_subject else None,
        return_mechanism=vocab.ReturnMechanism(project.return_mechanism)
        if project.return_mechanism else None,
        other_income=frozenset(vocab.OtherIncome(c) for c in project.other_income_list),
        ppp_subtype=vocab.PPPSubtype(project.ppp_subtype) if project.ppp_subtype else None,
        approval_date=project.approval_date,
        start_year=project.start_date.year if project.start_date else None,
        total_investment_wan=project.total_investment_wan,
        construction_share=project.construction_share,
        build_years=project.build_years,
        operation_years=project.operation_years,
        contract_term_years=project.contract_term_years,
        renewals=project.renewals,
        content_fixed=project.content_fixed,
        continuity_strong=project.continuity_strong,
        funding_stable=project.funding_stable,
        prices_stable=project.prices_stable,
        service_category=vocab.ServiceCategory(project.service_category),
        user_payment_share=project.user_payment_share,
        bundled_unrelated_parts=project.bundled_unrelated_parts,
        concession=project.concession,
        adds_fiscal_burden=project.adds_fiscal_burden,
        has_operations_handover_plan=project.has_operations_handover_plan,
        company_id=project.company_id,
    )


def fiscal_inputs(project: Project) -> FiscalInputs | None:
    """The project's fiscal liabilities, or None if it binds no future budget."""
    if not project.has_fiscal_liability or not project.start_date:
        return None
    return FiscalInputs(
        project_code=project.code,
        government_pay=project.return_mechanism == vocab.ReturnMechanism.GOVERNMENT_PAY,
        first_operation_year=project.start_date.year + project.build_years,
        build_start_year=project.start_date.year,
        build_years=project.build_years,
        subsidy_years=max(project.operation_years, 1),
        total_construction_cost_wan=project.total_investment_wan,  # 项目全部建设成本
        reasonable_profit_rate=project.reasonable_profit_rate,
        discount_rate=project.discount_rate,
        annual_operating_cost_wan=project.annual_operating_cost_wan,
        annual_user_payment_wan=project.annual_user_payment_wan,
        government_equity_wan=project.government_equity_wan,
        risk_share_of_subsidy=project.risk_share_of_subsidy,
        supporting_inputs_wan=project.supporting_inputs_wan,
    )
