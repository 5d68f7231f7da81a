"""The three state machines of contracting (need, procurement, contract), case by case from
their Workflow tables: every allowed action takes the object to its target state through the
real service; every other action from every state is refused with TransitionRefused and
leaves every row as it was. A state added to a table without a builder here fails
``test_every_state_has_a_builder``; an action without an invocation fails likewise.

And the guarantee behind "two users at once": the second approval of the same need, in
sequence or in a real race of two threads with their own database connections, is refused
and applies nothing twice.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from cityops.core.models import AuditEntry, Notification
from cityops.core.workflow import TransitionRefused
from cityops.demand import services as demand
from cityops.demand.models import NEED_WORKFLOW, DuplicateFlag, Need, NeedEvent
from cityops.demand.tests.matrix import approved, draft, other_need_fields, submitted
from cityops.procurement import services
from cityops.procurement.models import (
    CONTRACT_WORKFLOW,
    PROCUREMENT_WORKFLOW,
    Amendment,
    Award,
    Bid,
    Challenge,
    Contract,
    Milestone,
    Payment,
    Procurement,
)

from .matrix import ahead, awarded, contract_fields, drafted, evaluating, past_deadline, planned
from .matrix import signed as signed_contract

# -- objects in each state, built through the services -------------------------------------------


def _merged(p):
    need = submitted(p.dept)
    into = submitted(p.dept2, **other_need_fields())
    return demand.need_merge(need=need, into=into, by=p.admin)


NEED_BUILDERS = {
    "draft": lambda p: draft(p.dept),
    "submitted": lambda p: submitted(p.dept),
    "returned": lambda p: demand.need_return(need=submitted(p.dept), by=p.admin,
                                             comment="请补充数据接口清单"),
    "approved": lambda p: approved(p.dept, p.admin),
    "merged": _merged,
    "in_procurement": lambda p: planned(p).needs.get(),
    "fulfilled": lambda p: signed_contract(p).procurement.needs.get(),
    "withdrawn": lambda p: demand.need_withdraw(need=draft(p.dept), by=p.dept),
}


def _cancelled(p):
    return services.procurement_cancel(procurement=planned(p), by=p.dept, reason="需求变更")


PROCUREMENT_BUILDERS = {
    "planning": planned,
    "tendering": past_deadline,  # bids in, deadline passed: closing is possible
    "evaluation": evaluating,
    "awarded": lambda p: awarded(p)[0],  # standstill over, no challenge
    "contracted": lambda p: signed_contract(p).procurement,
    "cancelled": _cancelled,
}

CONTRACT_BUILDERS = {
    "draft": drafted,
    "active": signed_contract,
    "completed": lambda p: services.contract_close(contract=signed_contract(p), by=p.dept),
    "terminated": lambda p: services.contract_close(contract=signed_contract(p), by=p.dept,
                                                    action="terminate"),
}

# action -> (personas, object) -> a call taking the action (preparation done beforehand, so
# that what the call itself writes is all that is measured)


def _merge_into(p, need):
    into = submitted(p.dept2, **other_need_fields())
    return lambda: demand.need_merge(need=need, into=into, by=p.admin, comment="合并")


NEED_ACTIONS = {
    "submit": lambda p, n: lambda: demand.need_submit(need=n, by=p.dept),
    "approve": lambda p, n: lambda: demand.need_approve(need=n, by=p.admin),
    "return": lambda p, n: lambda: demand.need_return(need=n, by=p.admin, comment="请补充"),
    "merge": _merge_into,
    "procure": lambda p, n: lambda: demand.need_set_procured(need=n, by=p.dept),
    "release": lambda p, n: lambda: demand.need_release(need=n, by=p.dept, comment="采购取消"),
    "fulfil": lambda p, n: lambda: demand.need_fulfil(need=n, by=p.dept),
    "withdraw": lambda p, n: lambda: demand.need_withdraw(need=n, by=p.dept),
}


def _sign_contract(p, proc):
    def call():
        c = services.contract_create(procurement=proc, by=p.dept, **contract_fields())
        return services.contract_sign(contract=c, by=p.dept)

    return call


PROCUREMENT_ACTIONS = {
    "publish": lambda p, x: lambda: services.procurement_publish(
        procurement=x, by=p.dept, bid_deadline=ahead(10)),
    "close_bidding": lambda p, x: lambda: services.bidding_close(procurement=x, by=p.dept),
    "award": lambda p, x: lambda: services.procurement_award(procurement=x, by=p.dept),
    "revoke_award": lambda p, x: lambda: services.award_revoke(procurement=x, by=p.dept,
                                                              reason="质疑成立"),
    "sign_contract": _sign_contract,
    "cancel": lambda p, x: lambda: services.procurement_cancel(procurement=x, by=p.dept,
                                                              reason="需求变更"),
}

CONTRACT_ACTIONS = {
    "sign": lambda p, c: lambda: services.contract_sign(contract=c, by=p.dept),
    "complete": lambda p, c: lambda: services.contract_close(contract=c, by=p.dept),
    "terminate": lambda p, c: lambda: services.contract_close(contract=c, by=p.dept,
                                                              action="terminate"),
}

MACHINES = {
    "need": (NEED_WORKFLOW, NEED_BUILDERS, NEED_ACTIONS, Need),
    "procurement": (PROCUREMENT_WORKFLOW, PROCUREMENT_BUILDERS, PROCUREMENT_ACTIONS, Procurement),
    "contract": (CONTRACT_WORKFLOW, CONTRACT_BUILDERS, CONTRACT_ACTIONS, Contract),
}


def _cases():
    for name, (workflow, _builders, _actions, _model) in MACHINES.items():
        for state in sorted(workflow.states()):
            for action in workflow.actions:
                allowed = state in workflow.transitions[action].sources
                yield pytest.param(name, state, action, allowed,
                                   id=f"{name}-{state}-{action}-{'ok' if allowed else 'refused'}")


def snapshot(obj) -> dict:
    """Every row a refused action must leave as it was: the object itself and the counts of
    everything a step writes (events, flags, bids, awards, contracts, notices, audit)."""
    fresh = type(obj).objects.get(pk=obj.pk)
    row = model_to_dict(fresh)
    row.pop("updated_at", None)
    counts = {m.__name__: m.objects.count() for m in (
        Need, NeedEvent, DuplicateFlag, Procurement, Bid, Award, Challenge, Contract, Milestone,
        Payment, Amendment, Notification, AuditEntry)}
    return {"row": row, "counts": counts,
            "statuses": sorted(Need.objects.values_list("pk", "status"))
            + sorted(Procurement.objects.values_list("pk", "status"))
            + sorted(Contract.objects.values_list("pk", "status"))}


@pytest.mark.parametrize(("machine", "state", "action", "allowed"), list(_cases()))
def test_transition(personas, machine, state, action, allowed):
    workflow, builders, actions, model = MACHINES[machine]
    obj = builders[state](personas)
    obj = model.objects.get(pk=obj.pk)
    assert getattr(obj, workflow.field) == state  # the builder's premise
    call = actions[action](personas, obj)
    if allowed:
        call()
        obj.refresh_from_db()
        assert getattr(obj, workflow.field) == workflow.transitions[action].target
        if machine == "need":
            event = NeedEvent.objects.filter(need=obj).latest("id")
            assert (event.action, event.from_status, event.to_status) == (
                action, state, workflow.transitions[action].target)
    else:
        before = snapshot(obj)
        with pytest.raises(TransitionRefused) as refused:
            call()
        assert snapshot(obj) == before
        assert str(refused.value)  # a message for the page / the API's 409


def test_every_state_has_a_builder_and_every_action_an_invocation():
    for name, (workflow, builders, actions, _model) in MACHINES.items():
        assert set(builders) == workflow.states(), name
        assert set(actions) == set(workflow.actions), name


def test_refusal_names_the_action_and_the_state(personas):
    from django.utils import translation

    need = draft(personas.dept)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            with pytest.raises(TransitionRefused) as refused:
                demand.need_approve(need=need, by=personas.admin)
            assert "approve" in str(refused.value)
            assert str(NEED_WORKFLOW._label("draft")) in str(refused.value)
    with translation.override("en"), pytest.raises(TransitionRefused) as refused:
        demand.need_approve(need=need, by=personas.admin)
    assert str(refused.value) == "“approve” is not allowed while the status is “Draft”."


# -- two users at once ---------------------------------------------------------------------------


def test_second_approval_sees_the_new_state_and_is_refused(personas):
    need = submitted(personas.dept)
    stale = Need.objects.get(pk=need.pk)  # what a second reviewer's page loaded
    demand.need_approve(need=need, by=personas.admin, comment="第一位")
    with pytest.raises(TransitionRefused):
        demand.need_approve(need=stale, by=personas.admin, comment="第二位")
    need.refresh_from_db()
    assert need.review_comment == "第一位"
    assert NeedEvent.objects.filter(need=need, action="approve").count() == 1


def _race(calls):
    """Run each call in its own thread with its own connection, released together; return
    what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_reviewers_approving_at_once_apply_once(transactional_db, personas):
    """A real race: two threads, two connections; the row lock (PostgreSQL) or the write lock
    of an IMMEDIATE transaction (SQLite) makes the second see "approved" and be refused."""
    need = submitted(personas.dept)
    second_admin = _second_admin(personas)
    results = _race([
        lambda: demand.need_approve(need=Need.objects.get(pk=need.pk), by=personas.admin,
                                    comment="甲"),
        lambda: demand.need_approve(need=Need.objects.get(pk=need.pk), by=second_admin,
                                    comment="乙"),
    ])
    ok = [r for r in results if isinstance(r, Need)]
    refused = [r for r in results if isinstance(r, TransitionRefused)]
    assert (len(ok), len(refused)) == (1, 1), results
    assert NeedEvent.objects.filter(need=need, action="approve").count() == 1
    need.refresh_from_db()
    assert need.status == "approved"
    assert need.review_comment in ("甲", "乙")


def test_two_officers_awarding_at_once_make_one_award(transactional_db, personas):
    p = evaluating(personas)
    results = _race([
        lambda: services.procurement_award(procurement=Procurement.objects.get(pk=p.pk),
                                           by=personas.dept),
        lambda: services.procurement_award(procurement=Procurement.objects.get(pk=p.pk),
                                           by=personas.admin),
    ])
    assert sum(isinstance(r, Award) for r in results) == 1, results
    assert sum(isinstance(r, TransitionRefused) for r in results) == 1, results
    assert Award.objects.filter(procurement=p).count() == 1


def _second_admin(personas):
    from cityops.core import services as core
    from cityops.core.roles import Role
    from conftest import PASSWORD

    return core.user_create(by=None, username="albert", password=PASSWORD,
                            role=Role.PLATFORM_ADMIN, organisation=personas.bureau,
                            full_name="Albert")
