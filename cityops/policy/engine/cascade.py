"""The cascade of implementing rules (brief §7): a province policy that requires implementing
rules gets one from each city within 30 days of its issue and from each county within 60 days
of its issue (calendar days). Pure: a tree of (policy id, level, issued on, parent id, region)
and the cities and counties expected in, the status of every required implementation out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .attributes import region_prefix

CITY_DAYS = 30  # brief §7: province → city within 30 days
COUNTY_DAYS = 60  # brief §7: province → county within 60 days (of the province policy's issue)


@dataclass(frozen=True)
class CascadeNode:
    policy_id: str
    level: str  # national | province | city | county
    issued_on: date
    parent_id: str | None  # the policy this one implements
    region: str  # GB/T 2260 code (or prefix) of the issuing government


@dataclass(frozen=True)
class CascadeItem:
    """One required implementation of a province policy."""

    province_policy_id: str
    region: str  # the city or county that must implement
    level: str  # city | county
    due_on: date
    status: str  # done | late | overdue | pending
    implementing_id: str | None = None
    issued_on: date | None = None
    days_overdue: int = 0  # for overdue: days past due on the check date; for late: days late

    @property
    def zh(self) -> str:
        label = {"done": "已按期出台", "late": "逾期出台", "overdue": "逾期未出台",
                 "pending": "未到期"}[self.status]
        extra = f"（{self.days_overdue} 天）" if self.days_overdue else ""
        return f"{self.region} 实施细则（{self.due_on.isoformat()} 前）：{label}{extra}"

    @property
    def en(self) -> str:
        extra = f" ({self.days_overdue} days)" if self.days_overdue else ""
        return f"{self.region} implementing rules due {self.due_on.isoformat()}: " \
               f"{self.status}{extra}"


def _descends(node: CascadeNode, root_id: str, by_id: dict[str, CascadeNode]) -> bool:
    seen = set()
    while node.parent_id is not None and node.parent_id not in seen:
        if node.parent_id == root_id:
            return True
        seen.add(node.parent_id)
        parent = by_id.get(node.parent_id)
        if parent is None:
            return False
        node = parent
    return False


def cascade_status(nodes: Iterable[CascadeNode], *, cities: Iterable[str],
                   counties: Iterable[str], as_of: date) -> list[CascadeItem]:
    """Every required implementation of every province policy in ``nodes``: which city or
    county, when it is due, and whether it is done, late, overdue or still pending."""
    nodes = list(nodes)
    by_id = {n.policy_id: n for n in nodes}
    expected = [("city", region_prefix(c) or c, CITY_DAYS) for c in cities]
    expected += [("county", region_prefix(c) or c, COUNTY_DAYS) for c in counties]
    items = []
    for root in sorted((n for n in nodes if n.level == "province"),
                       key=lambda n: (n.issued_on, n.policy_id)):
        scope = region_prefix(root.region) or root.region
        for level, region, days in expected:
            if not region.startswith(scope):
                continue
            due = root.issued_on + timedelta(days=days)
            found = sorted(
                (n for n in nodes
                 if n.level == level and (region_prefix(n.region) or n.region).startswith(region)
                 and _descends(n, root.policy_id, by_id)),
                key=lambda n: n.issued_on,
            )
            if found:
                first = found[0]
                late = (first.issued_on - due).days
                status = "done" if late <= 0 else "late"
                items.append(CascadeItem(root.policy_id, region, level, due, status,
                                         first.policy_id, first.issued_on, max(late, 0)))
            elif as_of > due:
                items.append(CascadeItem(root.policy_id, region, level, due, "overdue",
                                         days_overdue=(as_of - due).days))
            else:
                items.append(CascadeItem(root.policy_id, region, level, due, "pending"))
    return items


def overdue(nodes: Iterable[CascadeNode], *, cities: Iterable[str], counties: Iterable[str],
            as_of: date) -> list[CascadeItem]:
    """Only the implementations that are past due and not issued."""
    return [i for i in cascade_status(nodes, cities=cities, counties=counties, as_of=as_of)
            if i.status == "overdue"]
