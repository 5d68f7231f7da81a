"""Background jobs: started from the UI and the API, run by Huey (in-process here, and in a
real ``cityops worker`` process on the SQLite and Redis queues), their progress, results,
failures and downloads."""

import csv
import datetime as dt
import io
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cityops.core import jobs, services
from cityops.core.models import AuditEntry, Job, JobStatus
from cityops.core.roles import Role
from conftest import test_database_url

CITYOPS = str(Path(sys.executable).parent / "cityops")


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Run the jobs a block starts when its transaction commits, as the worker would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def job_from_redirect(response) -> Job:
    assert response.status_code == 302, response.content[:500]
    job_id = response["Location"].rstrip("/").split("/")[-1]
    return Job.objects.get(pk=job_id)


def read_csv(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8-sig")  # the file starts with a BOM for Excel
    return list(csv.reader(io.StringIO(text)))


# -- audit export ------------------------------------------------------------------------


def test_audit_export_as_auditor_writes_the_matching_rows(personas, run_jobs):
    services.organisation_update(organisation=personas.health, by=personas.admin,
                                 short_name="卫健委")
    client = client_for(personas.auditor)
    with run_jobs():
        response = client.post("/audit/export/", {"action": "create"})
    job = job_from_redirect(response)

    assert job.kind == "audit.export"
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.created_by == personas.auditor
    assert job.result_file
    path = services.exports_dir() / job.result_file
    assert path.is_file()

    rows = read_csv(path)
    assert rows[0] == list(services.AUDIT_CSV_COLUMNS)
    expected = list(AuditEntry.objects.filter(action="create").order_by("seq")
                    .values_list("seq", flat=True))
    assert [int(r[0]) for r in rows[1:]] == expected
    assert {r[4] for r in rows[1:]} == {"create"}
    assert job.result == {"rows": len(expected)}
    # Chinese names survive the round trip.
    assert any(personas.health.name in r[7] for r in rows[1:])

    # The job page shows it finished, at 100 %, with a download link.
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-status="succeeded"' in page
    assert "100%" in page
    assert f"/jobs/{job.pk}/download/" in page


def test_audit_export_filtered_by_actor(personas, run_jobs):
    services.organisation_update(organisation=personas.health, by=personas.admin,
                                 short_name="卫健委")
    with run_jobs():
        response = client_for(personas.admin).post("/audit/export/", {"actor": "alice"})
    job = job_from_redirect(response)
    rows = read_csv(services.exports_dir() / job.result_file)[1:]
    expected = AuditEntry.objects.filter(actor_username="alice").count()
    assert expected >= 1
    assert len(rows) == expected
    assert {r[2] for r in rows} == {"alice"}


@pytest.mark.parametrize("field", ["since", "until"])
def test_audit_export_honours_the_date_range(personas, run_jobs, field):
    # The audit page's export button posts the page's filters, dates included: a range
    # with no entries in it must export no rows, not the whole trail.
    today = timezone.localdate()
    outside = today + dt.timedelta(days=1) if field == "since" else today - dt.timedelta(days=1)
    client = client_for(personas.auditor)
    listed = client.get("/audit/", {field: outside.isoformat()})
    assert listed.status_code == 200
    with run_jobs():
        response = client.post("/audit/export/", {field: outside.isoformat()})
    job = job_from_redirect(response)
    assert job.status == JobStatus.SUCCEEDED, job.message
    rows = read_csv(services.exports_dir() / job.result_file)
    assert rows[0] == list(services.AUDIT_CSV_COLUMNS)
    assert rows[1:] == []

    # And a range that holds today exports today's entries.
    with run_jobs():
        response = client.post("/audit/export/", {field: today.isoformat()})
    job = job_from_redirect(response)
    rows = read_csv(services.exports_dir() / job.result_file)[1:]
    assert len(rows) == AuditEntry.objects.filter(seq__lte=int(rows[-1][0])).count() > 0


def test_export_download_for_creator_and_auditor_only(personas, run_jobs):
    with run_jobs():
        response = client_for(personas.admin).post("/audit/export/", {})
    job = job_from_redirect(response)
    url = f"/jobs/{job.pk}/download/"
    content = (services.exports_dir() / job.result_file).read_bytes()

    for user in (personas.admin, personas.auditor):  # the creator, and the auditor
        response = client_for(user).get(url)
        assert response.status_code == 200, user.username
        assert "attachment" in response["Content-Disposition"]
        assert job.result_file in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == content

    for user in (personas.dept, personas.supplier, personas.finance, personas.public):
        assert client_for(user).get(url).status_code == 404, user.username
        assert client_for(user).get(f"/jobs/{job.pk}/").status_code == 404, user.username
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_download_of_a_job_without_a_file_is_404(personas, run_jobs):
    with run_jobs():
        response = client_for(personas.auditor).post("/audit/verify/")
    job = job_from_redirect(response)
    assert job.status == JobStatus.SUCCEEDED
    assert client_for(personas.auditor).get(f"/jobs/{job.pk}/download/").status_code == 404


def test_export_refused_to_department_officer(personas, run_jobs):
    with run_jobs():
        response = client_for(personas.dept).post("/audit/export/", {})
    assert response.status_code == 403
    assert not Job.objects.exists()


# -- audit verification --------------------------------------------------------------------


def test_verify_refused_to_department_officer(personas, run_jobs):
    entries = AuditEntry.objects.count()
    with run_jobs():
        response = client_for(personas.dept).post("/audit/verify/")
    assert response.status_code == 403
    assert not Job.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_verify_needs_post(personas):
    assert client_for(personas.auditor).get("/audit/verify/").status_code == 405
    assert not Job.objects.exists()


def test_verify_job_reports_an_intact_chain_at_100_percent(personas, run_jobs):
    client = client_for(personas.auditor)
    with run_jobs():
        response = client.post("/audit/verify/")
    job = job_from_redirect(response)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["ok"] is True
    assert job.result["break"] is None
    # Every entry up to and including the job's own start entry was checked.
    assert job.result["checked"] == AuditEntry.objects.count()
    assert job.total == job.done == job.result["checked"]
    assert job.percent == 100
    assert job.started_at and job.finished_at and job.started_at <= job.finished_at
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-testid="chain-ok"' in page

    api = APIClient()
    api.force_authenticate(personas.auditor)
    body = api.get(f"/api/v1/jobs/{job.pk}/").json()
    assert (body["status"], body["percent"], body["done"], body["total"]) == (
        "succeeded", 100, job.done, job.total)

    # Starting the job is itself on the trail.
    start = AuditEntry.objects.get(action="job_start", object_id=str(job.pk))
    assert start.actor_username == "otto"


def test_jobs_via_the_api(personas, run_jobs):
    api = APIClient()
    api.force_authenticate(personas.auditor)
    with run_jobs():
        response = api.post("/api/v1/jobs/", {"kind": "audit.verify"}, format="json")
    assert response.status_code == 201
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED

    unknown = api.post("/api/v1/jobs/", {"kind": "no.such.job"}, format="json")
    assert unknown.status_code == 400
    assert "kind" in unknown.json()["errors"]

    dept = APIClient()
    dept.force_authenticate(personas.dept)
    assert dept.post("/api/v1/jobs/", {"kind": "audit.verify"},
                     format="json").status_code == 403
    assert dept.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert dept.get("/api/v1/jobs/").json()["count"] == 0
    assert Job.objects.count() == 1


# -- progress and failure, with handlers registered the way apps register them ---------------


@pytest.fixture
def test_handlers():
    before = dict(jobs._handlers)
    yield jobs.job_handler
    jobs._handlers.clear()
    jobs._handlers.update(before)


def test_progress_is_written_while_the_job_runs(personas, run_jobs, test_handlers):
    seen = []

    @test_handlers("test.count", "Count to 40", roles={Role.DEPARTMENT_OFFICER})
    def count(job, progress):
        progress.interval = 0  # write every call, so that the test can watch
        for i in range(0, 41, 10):
            progress(i, 40, f"counted {i}")
            row = Job.objects.get(pk=job.pk)
            seen.append((row.status, row.done, row.total, row.percent, row.message))
        return {"counted": 40}

    with run_jobs():
        job = jobs.job_start(kind="test.count", by=personas.dept)
    job.refresh_from_db()
    assert seen[0] == ("running", 0, 40, 0, "counted 0")
    assert seen[2] == ("running", 20, 40, 50, "counted 20")
    assert [s[3] for s in seen] == [0, 25, 50, 75, 100]
    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.percent) == (40, 40, 100)
    assert job.result == {"counted": 40}


def test_a_failing_job_is_marked_failed_with_its_reason(personas, run_jobs, test_handlers):
    @test_handlers("test.fail", "Fails halfway", roles={Role.DEPARTMENT_OFFICER})
    def fail(job, progress):
        progress(5, 10)
        raise RuntimeError("the disk is on fire")

    client = client_for(personas.dept)
    with run_jobs():
        job = jobs.job_start(kind="test.fail", by=personas.dept)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "RuntimeError" in job.message and "the disk is on fire" in job.message
    assert job.finished_at is not None
    assert job.percent < 100
    assert "the disk is on fire" in job.result["traceback"]

    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-status="failed"' in page
    assert "the disk is on fire" in page
    assert f"/jobs/{job.pk}/download/" not in page

    # The next job runs normally: one failure does not stop the queue.
    @test_handlers("test.ok", "Succeeds", roles={Role.DEPARTMENT_OFFICER})
    def ok(job, progress):
        return {"fine": True}

    with run_jobs():
        second = jobs.job_start(kind="test.ok", by=personas.dept)
    second.refresh_from_db()
    assert second.status == JobStatus.SUCCEEDED and second.result == {"fine": True}


def test_job_roles_are_enforced(personas, run_jobs, test_handlers):
    from django.core.exceptions import PermissionDenied

    @test_handlers("test.write", "Changes things", roles={Role.AUDITOR, Role.PLATFORM_ADMIN})
    def write(job, progress):
        return {}

    # An auditor changes nothing: a job that is not read-only is refused even if listed.
    with pytest.raises(PermissionDenied):
        jobs.job_start(kind="test.write", by=personas.auditor)
    with pytest.raises(PermissionDenied):
        jobs.job_start(kind="audit.verify", by=personas.supplier)
    assert not Job.objects.exists()


def test_a_job_is_not_run_twice(personas, run_jobs, test_handlers):
    calls = []

    @test_handlers("test.once", "Once", roles={Role.DEPARTMENT_OFFICER})
    def once(job, progress):
        calls.append(job.pk)
        return {}

    with run_jobs():
        job = jobs.job_start(kind="test.once", by=personas.dept)
    jobs.job_execute(str(job.pk))  # delivered again, e.g. after a worker restart
    assert len(calls) == 1


def test_jobs_are_visible_to_their_creator_only(personas, run_jobs, test_handlers):
    @test_handlers("test.mine", "Mine", roles={Role.DEPARTMENT_OFFICER})
    def mine(job, progress):
        return {}

    with run_jobs():
        job = jobs.job_start(kind="test.mine", by=personas.dept)
    assert client_for(personas.dept).get(f"/jobs/{job.pk}/").status_code == 200
    assert client_for(personas.dept2).get(f"/jobs/{job.pk}/").status_code == 404
    listing = client_for(personas.dept2).get("/jobs/").content.decode()
    assert str(job.pk) not in listing
    assert client_for(personas.auditor).get(f"/jobs/{job.pk}/").status_code == 200


# -- a real worker process ---------------------------------------------------------------




def subprocess_env(var_dir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "HUEY_NAME", "HUEY_IMMEDIATE"}}
    env.update(DJANGO_SETTINGS_MODULE="cityops.settings", CITYOPS_VAR_DIR=str(var_dir),
               DATABASE_URL=test_database_url(), HUEY_IMMEDIATE="0", HUEY_WORKERS="1",
               PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


ENQUEUE = """
from cityops.core import jobs
from cityops.core.models import User
job = jobs.job_start(kind="audit.verify", by=User.objects.get(username="otto"))
print("JOB", job.pk)
"""


@pytest.mark.slow
@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_real_worker_runs_a_job(transactional_db, personas, tmp_path, queue):
    extra = {"HUEY_NAME": f"cityops-test-{uuid.uuid4().hex[:12]}"}
    if queue == "redis":
        if not redis_reachable():
            pytest.skip("Redis is not reachable at 127.0.0.1:6379")
        extra["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    env = subprocess_env(tmp_path, LOG_LEVEL="INFO", **extra)
    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen([CITYOPS, "worker"], env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        # Enqueued by another process, through job_start and the real queue, while the
        # worker starts up.
        enqueue = subprocess.run([CITYOPS, "shell", "-c", ENQUEUE], env=env,
                                 capture_output=True, text=True, timeout=30)
        assert enqueue.returncode == 0, enqueue.stderr
        job_id = enqueue.stdout.split("JOB", 1)[1].split()[0]
        job = Job.objects.get(pk=job_id)
        assert job.status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED)
        deadline = time.monotonic() + 20
        while not job.finished and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker died"
            time.sleep(0.2)
            job.refresh_from_db()
        log.seek(0)
        assert job.status == JobStatus.SUCCEEDED, f"{job.status} {job.message}\n{log.read()}"
        assert job.result["ok"] is True
        assert job.result["checked"] == AuditEntry.objects.count()
        assert job.percent == 100
        log.seek(0)
        assert "Executing cityops.core.jobs.run_job" in log.read()  # the worker ran it
        if queue == "sqlite":
            assert (tmp_path / "huey.sqlite3").is_file()  # the queue lives in CITYOPS_VAR_DIR
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
        if queue == "redis":
            import redis

            r = redis.Redis.from_url(extra["REDIS_URL"])
            for key in r.scan_iter(f"*{extra['HUEY_NAME']}*"):
                r.delete(key)
