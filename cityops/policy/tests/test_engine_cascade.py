"""The cascade of implementing rules (cascade.py): cities within 30 days, counties within 60 days
of the province policy's issue (brief §7)."""

from datetime import date

from cityops.policy.engine import CascadeNode, cascade_status, overdue

PROVINCE = CascadeNode("gd-1", "province", date(2025, 3, 1), None, "440000")
CITIES = ["440300", "440100"]
COUNTIES = ["440305", "440306", "440103"]


def status(nodes, as_of):
    return {(i.region, i.level): i for i in cascade_status(nodes, cities=CITIES, counties=COUNTIES,
                                                             as_of=as_of)}


def test_due_dates_are_30_days_for_cities_and_60_for_counties():
    items = status([PROVINCE], date(2025, 3, 2))
    assert items[("4403", "city")].due_on == date(2025, 3, 31)
    assert items[("440305", "county")].due_on == date(2025, 4, 30)
    assert all(i.status == "pending" for i in items.values())


def test_overdue_late_and_done():
    nodes = [
        PROVINCE,
        CascadeNode("sz-1", "city", date(2025, 3, 20), "gd-1", "440300"),  # on time
        CascadeNode("gz-1", "city", date(2025, 4, 10), "gd-1", "440100"),  # 10 days late
        CascadeNode("ns-1", "county", date(2025, 4, 15), "sz-1", "440305"),  # via the city
        CascadeNode("other", "county", date(2025, 3, 5), None, "440306"),  # implements nothing
    ]
    items = status(nodes, date(2025, 5, 10))
    assert items[("4403", "city")].status == "done"
    assert items[("4403", "city")].implementing_id == "sz-1"
    assert items[("4401", "city")].status == "late" and items[("4401", "city")].days_overdue == 10
    assert items[("440305", "county")].status == "done"
    assert items[("440306", "county")].status == "overdue"
    assert items[("440306", "county")].days_overdue == 10
    assert items[("440103", "county")].status == "overdue"
    late = overdue(nodes, cities=CITIES, counties=COUNTIES, as_of=date(2025, 5, 10))
    assert {i.region for i in late} == {"440306", "440103"}
    assert "逾期未出台" in late[0].zh and "overdue" in late[0].en


def test_only_regions_within_the_province_are_expected():
    other_province = CascadeNode("zj-1", "province", date(2025, 3, 1), None, "330000")
    items = cascade_status([other_province], cities=CITIES, counties=COUNTIES,
                           as_of=date(2025, 6, 1))
    assert items == []


def test_a_city_policy_must_implement_the_province_one_to_count():
    nodes = [PROVINCE, CascadeNode("sz-x", "city", date(2025, 3, 5), "something-else", "440300")]
    items = status(nodes, date(2025, 4, 1))
    assert items[("4403", "city")].status == "overdue"
