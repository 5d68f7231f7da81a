"""The demo city loaded into the real database through the services."""

import pytest

from cityops.core.models import AuditEntry, City, Organisation, User
from cityops.core.roles import OrganisationKind, Role
from cityops.demo.load import DEMO_PASSWORD, demo_load, demo_logins


@pytest.fixture
def loaded(db):
    # The organisations and users only: each module's demo data is tested with its module,
    # and the whole city once below (a full load takes ~30 s).
    return demo_load(modules=())


def test_the_whole_city_loads_once_and_a_second_load_adds_nothing(db):
    from cityops.demand.models import Need
    from cityops.performance.models import Assessment
    from cityops.portfolio.models import Project
    from cityops.procurement.models import Contract, Procurement

    first = demo_load()
    assert (first.projects_created, first.needs_created) == (60, 137)
    assert Need.objects.count() == 137 and Project.objects.count() == 60
    stages = set(Procurement.objects.values_list("status", flat=True))
    assert stages >= {"planning", "tendering", "evaluation", "awarded", "contracted",
                      "cancelled"}
    assert Contract.objects.filter(status="active").exists()
    assert Assessment.objects.exists()
    counts = (Need.objects.count(), Contract.objects.count(), Assessment.objects.count(),
              AuditEntry.objects.count())
    again = demo_load()
    assert (again.organisations_created, again.users_created, again.projects_created,
            again.needs_created) == (0, 0, 0, 0)
    assert (Need.objects.count(), Contract.objects.count(), Assessment.objects.count(),
            AuditEntry.objects.count()) == counts


def test_demo_city_has_the_brief_hangzhou_shape(loaded):
    assert City.current().name == "杭州市" and City.current().region_code == "330100"
    assert Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT).count() == 23
    assert Organisation.objects.filter(kind=OrganisationKind.SUPPLIER).count() == 87
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values)


def test_second_load_duplicates_nothing_and_records_nothing(loaded):
    counts = (Organisation.objects.count(), User.objects.count(), AuditEntry.objects.count())
    report = demo_load(modules=())
    assert (report.organisations_created, report.users_created) == (0, 0)
    assert (Organisation.objects.count(), User.objects.count(),
            AuditEntry.objects.count()) == counts


def test_load_is_recorded_in_the_audit_trail_as_the_system(loaded):
    entries = AuditEntry.objects.filter(action="create", object_type="core.organisation")
    assert entries.count() == 150
    assert set(entries.values_list("actor_username", flat=True)) == {""}


def test_every_demo_login_works_with_the_published_password(loaded, client):
    logins = demo_logins()
    assert {row["username"] for row in logins} == {
        "admin", "dept", "dept2", "finance", "supplier", "supplier2", "auditor",
        "enterprise", "citizen"}
    for row in logins:
        response = client.post("/accounts/login/",
                               {"username": row["username"], "password": DEMO_PASSWORD})
        assert response.status_code == 302 and response.url == "/", row["username"]
        client.post("/accounts/logout/")


def test_admin_dashboard_shows_the_numbers_in_the_database(loaded, client):
    client.force_login(User.objects.get(username="admin"))
    widgets = {w["key"]: w for w in client.get("/").context["widgets"]}
    city = {item["label"]: item["value"] for item in widgets["core.city"]["items"]}
    assert list(city.values())[:3] == [23, 87, 40]
    chart = widgets["core.users_by_role"]["option"]["series"][0]["data"]
    assert sum(chart) == User.objects.filter(is_active=True).count()


def test_department_dashboard_shows_its_own_organisation(loaded, client):
    dept = User.objects.get(username="dept")
    client.force_login(dept)
    widgets = {w["key"]: w for w in client.get("/").context["widgets"]}
    assert widgets["core.my_organisation"]["caption"] == dept.organisation.name
    assert "core.users_by_role" not in widgets and "core.recent_jobs" not in widgets
