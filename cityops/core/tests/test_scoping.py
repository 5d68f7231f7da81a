"""Object scoping: each role sees and changes only what is theirs."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cityops.core.models import Job, Organisation, User
from cityops.core.scoping import access_object


def test_department_officer_sees_only_its_own_department(personas):
    assert list(Organisation.objects.visible_to(personas.dept)) == [personas.health]
    assert list(Organisation.objects.editable_by(personas.dept)) == [personas.health]


def test_supplier_never_sees_another_supplier(personas):
    visible = Organisation.objects.visible_to(personas.supplier)
    assert personas.supplier2_org not in visible
    assert list(visible) == [personas.supplier_org]


def test_auditor_reads_everything_and_writes_nothing(personas):
    assert Organisation.objects.visible_to(personas.auditor).count() == Organisation.objects.count()
    assert not Organisation.objects.editable_by(personas.auditor).exists()
    assert not User.objects.editable_by(personas.auditor).exists()


def test_public_and_anonymous_see_no_organisation(personas):
    from django.contrib.auth.models import AnonymousUser

    assert not Organisation.objects.visible_to(personas.public).exists()
    assert not Organisation.objects.visible_to(AnonymousUser()).exists()


def test_inactive_user_sees_nothing(personas):
    personas.dept.is_active = False
    assert not Organisation.objects.visible_to(personas.dept).exists()


def test_only_the_platform_admin_manages_users(personas):
    assert User.objects.editable_by(personas.admin).count() == User.objects.count()
    for persona in (personas.dept, personas.finance, personas.supplier, personas.enterprise):
        assert not User.objects.editable_by(persona).exists()


def test_access_object_hides_what_is_not_visible_and_refuses_writes(personas):
    assert access_object(Organisation.objects, personas.dept, personas.health.pk) == personas.health
    with pytest.raises(Http404):
        access_object(Organisation.objects, personas.dept, personas.transport.pk)
    with pytest.raises(PermissionDenied):
        access_object(Organisation.objects, personas.auditor, personas.health.pk, write=True)
    with pytest.raises(Http404):
        access_object(Organisation.objects, personas.dept, "not-a-number")


def test_jobs_belong_to_whoever_started_them(personas):
    mine = Job.objects.create(kind="audit.export", created_by=personas.dept,
                              organisation=personas.health)
    Job.objects.create(kind="audit.export", created_by=personas.dept2,
                       organisation=personas.transport)
    assert list(Job.objects.visible_to(personas.dept)) == [mine]
    assert Job.objects.visible_to(personas.auditor).count() == 2


def test_department_list_page_shows_only_own_department(client, personas):
    client.force_login(personas.dept)
    body = client.get("/organisations/").content.decode()
    assert personas.health.name in body
    assert personas.transport.name not in body and personas.supplier_org.name not in body
