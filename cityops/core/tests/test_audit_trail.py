"""The audit trail against the real database: what is recorded, and tampering detected."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from cityops.core import services
from cityops.core.models import AuditEntry, Organisation


def _tamper(sql, params=()):
    """What someone with database access would do: drop the guard, then edit."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_update")
        cursor.execute(sql, params)


def test_create_update_delete_are_recorded_with_actor_and_values(personas):
    org = personas.supplier_org
    services.organisation_update(organisation=org, by=personas.admin, short_name="测试云")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor_username, entry.actor_role) == (
        "update", "alice", "platform_admin")
    assert entry.object_type == "core.organisation" and entry.object_id == str(org.pk)
    assert entry.before == {"short_name": org.short_name}
    assert entry.after == {"short_name": "测试云"}

    created = AuditEntry.objects.get(object_type="core.organisation", object_id=str(org.pk),
                                     action="create")
    assert created.after["uscc"] == org.uscc and created.before is None


def test_a_save_that_changes_nothing_records_nothing(personas):
    before = AuditEntry.objects.count()
    personas.health.save()
    assert AuditEntry.objects.count() == before


def test_entries_chain_to_each_other(personas):
    entries = list(AuditEntry.objects.order_by("seq"))
    assert entries[0].seq == 1
    for prev, entry in zip(entries, entries[1:], strict=False):
        assert entry.seq == prev.seq + 1
        assert entry.prev_hash == prev.hash


def test_password_hash_never_enters_the_trail(personas):
    for entry in AuditEntry.objects.filter(object_type="core.user"):
        assert "password" not in (entry.after or {}) and "password" not in (entry.before or {})


def test_model_refuses_update_and_delete(personas):
    entry = AuditEntry.objects.first()
    entry.action = "forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_database_refuses_update(personas):
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditentry SET action = 'forged' WHERE seq = 1")
    assert AuditEntry.objects.get(seq=1).action == "create"


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgres_refuses_delete(personas):
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditentry WHERE seq = 2")


def test_verify_passes_on_an_intact_chain(personas, capsys):
    call_command("audit", "verify", "--no-progress")
    assert "audit chain OK" in capsys.readouterr().out


def test_verify_names_an_entry_edited_by_hand(personas):
    _tamper("UPDATE core_auditentry SET object_repr = 'forged' WHERE seq = 4")
    with pytest.raises(CommandError, match=r"#4 \(hash\)"):
        call_command("audit", "verify", "--no-progress")


def test_verify_names_an_entry_deleted_by_hand(personas):
    _tamper("DELETE FROM core_auditentry WHERE seq = 6")
    with pytest.raises(CommandError, match=r"#6 \(gap\)"):
        call_command("audit", "verify", "--no-progress")


def test_verify_notices_the_newest_entries_removed(personas):
    last = AuditEntry.objects.order_by("-seq").first().seq
    _tamper("DELETE FROM core_auditentry WHERE seq >= %s", [last - 1])
    with pytest.raises(CommandError, match=r"\(head\)"):
        call_command("audit", "verify", "--no-progress")


def test_failed_change_leaves_no_audit_entry(personas):
    """The change and its entry are one transaction: a refused change leaves no trace."""
    before = (AuditEntry.objects.count(), Organisation.objects.count())
    with pytest.raises(RuntimeError), transaction.atomic():
        services.organisation_update(organisation=personas.health, by=personas.admin,
                                     short_name="改名")
        raise RuntimeError("rolled back after the save")
    assert (AuditEntry.objects.count(), Organisation.objects.count()) == before
    assert Organisation.objects.get(pk=personas.health.pk).short_name != "改名"


def test_actor_comes_from_the_request(client, personas):
    client.force_login(personas.admin)
    response = client.post(
        f"/organisations/{personas.transport.pk}/edit/",
        {"kind": "department", "name": personas.transport.name, "short_name": "交通局",
         "uscc": personas.transport.uscc, "region_code": "330100", "industry_code": "",
         "is_active": "on"},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.actor_username, entry.after) == ("alice", {"short_name": "交通局"})


def test_auditor_filters_the_trail_in_the_ui(client, personas):
    services.organisation_update(organisation=personas.health, by=personas.admin,
                                 short_name="卫健委")
    client.force_login(personas.auditor)
    response = client.get("/audit/", {"action": "update", "actor": "alice"})
    rows = response.context["page"].object_list
    assert len(rows) == 1 and rows[0].after == {"short_name": "卫健委"}
    assert "卫健委" not in client.get("/audit/", {"action": "create", "actor": "alice"}).content.decode()


def test_audit_filter_with_dates_reversed_is_a_clear_error(client, personas):
    client.force_login(personas.auditor)
    response = client.get("/audit/", {"since": "2026-12-01", "until": "2026-11-01"})
    assert response.status_code == 400
    assert "起始日期晚于截止日期" in response.content.decode()
    client.cookies["django_language"] = "en"
    response = client.get("/audit/", {"since": "2026-12-01", "until": "2026-11-01"})
    assert "The start date is after the end date." in response.content.decode()


def test_verify_notices_a_day_that_disagrees_with_the_time(personas):
    _tamper("UPDATE core_auditentry SET day = '2001-01-01' WHERE seq = 3")
    with pytest.raises(CommandError, match=r"#3 \(day\)"):
        call_command("audit", "verify", "--no-progress")
