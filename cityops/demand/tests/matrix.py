"""The demand app's rows of the permission matrix (cityops/core/tests/test_permission_matrix.py
imports ``MATRIX`` and ``world``), and the builders the demand tests share: needs at each
state and supplier profiles, made through the real services.

The world: the health department (bob) has a submitted need and a draft; the transport
department (dora) has a draft of its own, which bob must never see; the two needs of a
possible duplicate are open for the bureau; sam and sue keep capability profiles.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

ROLES = ["platform_admin", "department_officer", "finance_officer", "supplier", "auditor",
         "enterprise", "public", "anonymous"]


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}

# -- builders ------------------------------------------------------------------------------------


def need_fields(**overrides) -> dict:
    """A government-cloud need on the 12 indicators, valid as it stands."""
    fields = {
        "title": "政务云平台购买服务",
        "description": "为全市委办局提供政务云计算、存储、网络资源及安全运维服务，支持信创适配。",
        "tags": ["政务云", "云计算", "运维"],
        "category": "infrastructure",
        "region_code": "330100",
        "technical_standard": "GB/T 22239-2019",
        "implementation_days": 90,
        "budget_wan": Decimal("300"),
        "availability_pct": Decimal("99.9"),
        "response_minutes": 30,
        "data_interfaces": 12,
        "security_level": 3,
        "user_scale": 20000,
        "integration_points": 8,
        "xinchuang_required": False,
        "acceptance_criteria": "资源交付率 100%，月可用性不低于 99.9%",
        "operations_months": 12,
    }
    fields.update(overrides)
    return fields


def other_need_fields(**overrides) -> dict:
    """A need that shares nothing with the cloud one (no duplicate of it)."""
    fields = need_fields(
        title="交通信号灯配时优化算法服务",
        description="对主城区路口信号灯配时方案进行建模优化，提供绿波带设计和效果评估报告。",
        tags=["信号灯", "交通优化"], category="system", budget_wan=Decimal("80"),
        security_level=2, technical_standard="GA/T 527", acceptance_criteria="平均延误下降 10%")
    fields.update(overrides)
    return fields


def draft(by, **overrides):
    from cityops.demand import services

    return services.need_create(by=by, **need_fields(**overrides))


def submitted(by, *, detect: bool = False, at: dt.datetime | None = None, **overrides):
    from cityops.demand import services

    need = services.need_create(by=by, at=at, **need_fields(**overrides))
    return services.need_submit(need=need, by=by, detect=detect, at=at)


def approved(by, admin, **overrides):
    from cityops.demand import services

    need = submitted(by, **overrides)
    return services.need_approve(need=need, by=admin, comment="同意")


def profile(user, **overrides):
    """A supplier's capability profile with an ISO 27001 certificate valid for years."""
    from cityops.demand import services

    fields = {"capabilities": "政务云计算资源、云存储、云安全运维、等保测评配合、信创适配迁移",
              "tags": ["政务云", "云计算", "运维", "信创"], "regions_served": ["33"],
              "capacity_wan": Decimal("5000")}
    fields.update(overrides)
    p = services.profile_save(supplier=user.organisation, by=user, **fields)
    services.qualification_add(profile=p, by=user, kind="iso27001", level=None,
                               certificate_no=f"ISO-{user.username}",
                               expires_on=dt.date.today() + dt.timedelta(days=3 * 365))
    return p


def duplicate_pair(personas):
    """Two departments' submitted needs for the same cloud service, flagged for the bureau."""
    from cityops.demand.models import DuplicateFlag

    a = submitted(personas.dept)
    b = submitted(personas.dept2, detect=True,
                  description="为本局业务系统提供政务云计算、存储、网络资源与安全运维服务，"
                              "支持信创适配。")
    flag = DuplicateFlag.objects.get(need_a_id=min(a.pk, b.pk), need_b_id=max(a.pk, b.pk))
    return a, b, flag


# -- the matrix ----------------------------------------------------------------------------------

READERS = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                 auditor=200, anonymous=302)
API_READERS = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                     auditor=200)
BUREAU_PAGE = expect(403, platform_admin=200, auditor=200, anonymous=302)
API_BUREAU = expect(403, platform_admin=200, auditor=200)
MAP_READERS = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                     auditor=200, supplier=200, anonymous=302)
API_MAP_READERS = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                         auditor=200, supplier=200)
ADMIN_POST = expect(403, platform_admin=302, anonymous=302)
API_ADMIN_POST = expect(403, platform_admin=200)


def _new_need(role, personas, world):
    body = need_fields(title=f"矩阵需求{role}")
    body["tags"] = "矩阵,测试"
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in body.items()}


MATRIX = {
    "demand:need-list": ("get", "/demand/needs/", None, READERS),
    "demand:need-create": ("get", "/demand/needs/new/", None,
                           expect(403, department_officer=200, anonymous=302)),
    # A submitted need: every government reader sees it.
    "demand:need-detail": ("get", "/demand/needs/{need}/", None, READERS),
    # Another department's draft: bob (health) never sees transport's draft; the bureau,
    # finance and auditors review only what was submitted.
    "demand:need-detail:foreign-draft": ("get", "/demand/needs/{foreign_draft}/", None,
                                         expect(403, platform_admin=404, department_officer=404,
                                                finance_officer=404, auditor=404,
                                                anonymous=302)),
    "demand:need-detail:own-draft": ("get", "/demand/needs/{draft}/", None,
                                     expect(403, platform_admin=404, department_officer=200,
                                            finance_officer=404, auditor=404, anonymous=302)),
    "demand:need-edit": ("get", "/demand/needs/{draft}/edit/", None,
                         expect(403, department_officer=200, anonymous=302)),
    "demand:need-edit:foreign": ("get", "/demand/needs/{foreign_draft}/edit/", None,
                                 expect(403, department_officer=404, anonymous=302)),
    "demand:need-matching": ("get", "/demand/needs/{need}/matching/", None, READERS),
    # Approving is the bureau's (the admin goes first and approves; the others are refused).
    "demand:need-action": ("post", "/demand/needs/{need}/approve/", {"comment": "同意"},
                           ADMIN_POST),
    "demand:need-action:submit": ("post", "/demand/needs/{draft}/submit/", None,
                                  expect(403, platform_admin=404, department_officer=302,
                                         anonymous=302)),
    "demand:duplicate-list": ("get", "/demand/duplicates/", None, BUREAU_PAGE),
    "demand:duplicate-scan": ("post", "/demand/duplicates/scan/", None, ADMIN_POST),
    "demand:duplicate-decide": ("post", "/demand/duplicates/{flag}/", {"decision": "dismiss"},
                                ADMIN_POST),
    "demand:supplier-list": ("get", "/demand/suppliers/", None, MAP_READERS),
    "demand:supplier-detail": ("get", "/demand/suppliers/{profile}/", None, MAP_READERS),
    # sue's profile: sam (the supplier persona) does not browse a competitor's.
    "demand:supplier-detail:competitor": ("get", "/demand/suppliers/{profile2}/", None,
                                          expect(403, platform_admin=200,
                                                 department_officer=200, finance_officer=200,
                                                 auditor=200, supplier=404, anonymous=302)),
    "demand:my-profile": ("get", "/demand/profile/", None,
                          expect(403, supplier=200, anonymous=302)),
    "demand:response-cycle": ("get", "/demand/cycle/", None, READERS),
    # -- API
    "need-list": ("get", "/api/v1/needs/", None, API_READERS),
    "need-list:post": ("post", "/api/v1/needs/", _new_need,
                       expect(403, department_officer=201)),
    "need-detail": ("get", "/api/v1/needs/{need}/", None, API_READERS),
    "need-detail:foreign-draft": ("get", "/api/v1/needs/{foreign_draft}/", None,
                                  expect(403, platform_admin=404, department_officer=404,
                                         finance_officer=404, auditor=404)),
    "need-detail:patch": ("patch", "/api/v1/needs/{draft}/", {"title": "改名需求"},
                          expect(403, platform_admin=404, department_officer=200)),
    "need-submit": ("post", "/api/v1/needs/{draft}/submit/", None,
                    expect(403, platform_admin=404, department_officer=200)),
    "need-approve": ("post", "/api/v1/needs/{need}/approve/", {"comment": "同意"},
                     API_ADMIN_POST),
    "need-return": ("post", "/api/v1/needs/{need}/return/", {"comment": "补充接口清单"},
                    API_ADMIN_POST),
    "need-merge": ("post", "/api/v1/needs/{need}/merge/", lambda r, p, w: {"into": w["need2"]},
                   API_ADMIN_POST),
    "need-suppliers": ("get", "/api/v1/needs/{need}/suppliers/", None, API_READERS),
    "duplicate-list": ("get", "/api/v1/duplicates/", None, API_BUREAU),
    "duplicate-detail": ("get", "/api/v1/duplicates/{flag}/", None, API_BUREAU),
    "supplier-profile-list": ("get", "/api/v1/supplier-profiles/", None, API_MAP_READERS),
    "supplier-profile-detail": ("get", "/api/v1/supplier-profiles/{profile}/", None,
                                API_MAP_READERS),
    "supplier-profile-detail:competitor": ("get", "/api/v1/supplier-profiles/{profile2}/", None,
                                           expect(403, platform_admin=200,
                                                  department_officer=200, finance_officer=200,
                                                  auditor=200, supplier=404)),
    "supplier-profile-detail:patch": ("patch", "/api/v1/supplier-profiles/{profile}/",
                                      {"capacity_wan": "6000"},
                                      expect(403, platform_admin=200, supplier=200)),
}


def world(personas, world) -> dict:
    need = submitted(personas.dept)
    need2 = submitted(personas.dept2, **other_need_fields())
    own_draft = draft(personas.dept, title="卫健委草稿需求")
    foreign_draft = draft(personas.dept2, **other_need_fields(title="交通局草稿需求"))
    _a, _b, flag = duplicate_pair(personas)
    return {
        "need": need.pk,
        "need2": need2.pk,
        "draft": own_draft.pk,
        "foreign_draft": foreign_draft.pk,
        "flag": flag.pk,
        "profile": profile(personas.supplier).pk,
        "profile2": profile(personas.supplier2).pk,
    }
