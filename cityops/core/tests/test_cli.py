"""The ``cityops`` console script as an operator uses it: help, audit verification with
exit codes, argument errors, createadmin, and the idempotent demo loader."""

import importlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cityops.core.models import AuditEntry, City, Organisation, User
from cityops.core.roles import Role
from conftest import test_database_url

CITYOPS = str(Path(sys.executable).parent / "cityops")



def run(args, tmp_path, *, database=True, timeout=60, **extra_env):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="cityops.settings", CITYOPS_VAR_DIR=str(tmp_path),
               PYTHONUNBUFFERED="1", **extra_env)
    if database:
        env["DATABASE_URL"] = test_database_url()
    return subprocess.run([CITYOPS, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


# -- help -----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [[], ["--help"], ["-h"]])
def test_no_arguments_prints_the_operator_help(tmp_path, args):
    assert Path(CITYOPS).is_file(), "the console script is not installed in the venv"
    result = run(args, tmp_path, database=False)
    assert result.returncode == 0
    assert "CityOps operator commands" in result.stdout
    for command in ("cityops demo load", "cityops audit verify", "cityops createadmin",
                    "cityops worker"):
        assert command in result.stdout


@pytest.mark.slow
def test_unknown_command_fails(tmp_path):
    result = run(["no-such-command"], tmp_path, database=False)
    assert result.returncode != 0
    assert "no-such-command" in result.stderr


# -- audit verify ---------------------------------------------------------------------------


@pytest.mark.slow
def test_audit_verify_on_an_intact_chain(transactional_db, personas, tmp_path):
    entries = AuditEntry.objects.count()
    assert entries > 10
    result = run(["audit", "verify", "--no-progress"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "audit chain OK" in result.stdout
    assert f"{entries} entries" in result.stdout

    head = run(["audit", "head"], tmp_path)
    assert head.returncode == 0
    seq, digest = head.stdout.split()
    last = AuditEntry.objects.order_by("-seq").first()
    assert (int(seq), digest) == (last.seq, last.hash)


TRIGGERS = {
    "sqlite": ("DROP TRIGGER core_auditentry_no_update", "SQLITE_UP"),
    "postgresql": ("DROP TRIGGER core_auditentry_append_only ON core_auditentry", "POSTGRES_UP"),
}


@pytest.fixture
def without_append_only_trigger(transactional_db):
    """Drop the database's append-only trigger, as an intruder with database access would,
    and put it back afterwards for the tests that follow."""
    drop, up = TRIGGERS[connection.vendor]
    migration = importlib.import_module("cityops.core.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:
        cursor.execute(drop)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in getattr(migration, up):
                cursor.execute(sql)


@pytest.mark.slow
def test_audit_verify_names_a_tampered_entry(personas, tmp_path, without_append_only_trigger):
    victim = AuditEntry.objects.order_by("seq")[4]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET object_repr = %s WHERE seq = %s",
                       ["forged", victim.seq])
    assert AuditEntry.objects.get(seq=victim.seq).object_repr == "forged"

    result = run(["audit", "verify", "--no-progress"], tmp_path)
    assert result.returncode == 1
    assert f"#{victim.seq}" in result.stderr
    assert "BROKEN" in result.stderr and "审计链" in result.stderr
    assert "audit chain OK" not in result.stdout


def test_the_trigger_refuses_updates(personas):
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET object_repr = 'forged' WHERE seq = 1")
    assert AuditEntry.objects.get(seq=1).object_repr != "forged"


# -- argument errors ------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_load_with_a_bad_seed_exits_2(tmp_path):
    result = run(["demo", "load", "--seed", "notanumber"], tmp_path, database=False)
    assert result.returncode == 2
    assert "--seed" in result.stderr
    assert "notanumber" in result.stderr
    # The command stopped before it opened a database.
    assert not (tmp_path / "cityops.sqlite3").exists()


@pytest.mark.slow
def test_audit_with_an_unknown_action_exits_2(tmp_path):
    result = run(["audit", "repair"], tmp_path, database=False)
    assert result.returncode == 2
    assert "repair" in result.stderr


# -- createadmin ----------------------------------------------------------------------------


@pytest.mark.slow
def test_createadmin_with_an_unknown_organisation(transactional_db, personas, tmp_path):
    users = User.objects.count()
    result = run(["createadmin", "--username", "root2", "--organisation", "火星数据局",
                  "--password", "Correct-Horse-42"], tmp_path)
    assert result.returncode != 0
    assert "火星数据局" in result.stderr
    assert "no organisation" in result.stderr  # English
    assert "找不到" in result.stderr  # Chinese
    assert "Traceback" not in result.stderr
    assert User.objects.count() == users


def test_createadmin_creates_a_platform_admin(personas):
    out = io.StringIO()
    call_command("createadmin", "--username", "root2", "--organisation", personas.bureau.uscc,
                 "--password", "Correct-Horse-42", "--full-name", "Root Two", stdout=out)
    user = User.objects.get(username="root2")
    assert user.role == Role.PLATFORM_ADMIN and user.is_staff
    assert user.organisation == personas.bureau
    assert user.check_password("Correct-Horse-42")
    assert "root2" in out.getvalue()
    entry = AuditEntry.objects.get(object_type="core.user", object_id=str(user.pk))
    assert entry.action == "create"
    assert "password" not in entry.after


def test_createadmin_refuses_a_weak_password_and_a_taken_username(personas):
    with pytest.raises(CommandError) as info:
        call_command("createadmin", "--username", "root2", "--organisation",
                     personas.bureau.name, "--password", "12345678")
    assert "password" in str(info.value)
    assert not User.objects.filter(username="root2").exists()

    with pytest.raises(CommandError) as info:
        call_command("createadmin", "--username", "alice", "--organisation",
                     personas.bureau.name, "--password", "Correct-Horse-42")
    assert "alice" in str(info.value)


def test_createadmin_refuses_a_supplier_organisation(personas):
    with pytest.raises(CommandError) as info:
        call_command("createadmin", "--username", "root2", "--organisation",
                     personas.supplier_org.name, "--password", "Correct-Horse-42")
    assert "organisation" in str(info.value)
    assert not User.objects.filter(username="root2").exists()


# -- demo load ------------------------------------------------------------------------------


def test_demo_load_twice_creates_nothing_the_second_time(db):
    first = io.StringIO()
    # Organisations and users only: the modules' demo data has its own tests (demo/tests).
    call_command("demo", "load", "--no-progress", "--modules=", stdout=first)
    orgs, users, entries = (Organisation.objects.count(), User.objects.count(),
                            AuditEntry.objects.count())
    assert orgs > 10 and users > 10 and entries >= orgs + users
    assert City.current() is not None
    assert "admin" in first.getvalue()  # the demo logins are printed

    second = io.StringIO()
    call_command("demo", "load", "--no-progress", "--modules=", stdout=second)
    assert (Organisation.objects.count(), User.objects.count(),
            AuditEntry.objects.count()) == (orgs, users, entries)
    assert "0 organisations and 0 users and 0 projects created" in second.getvalue()

    # The demo logins work with the published password.
    from cityops.demo.load import DEMO_LOGINS, DEMO_PASSWORD

    for username in DEMO_LOGINS:
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD), username
