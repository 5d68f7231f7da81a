"""One mechanism for long work: a ``Job`` row the UI can watch, run by the Huey worker.

Huey stores its queue in SQLite under var/ by default and in Redis when REDIS_URL is set;
``cityops worker`` (manage.py run_huey) runs it. Apps register handlers by kind:

    @job_handler("audit.export", _("Export the audit trail"), roles={...})
    def export(job, progress) -> dict: ...

``progress(done, total, message)`` may be called as often as convenient; it writes at most a
few times a second.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import db_task

from . import audit
from .models import Job, JobStatus, User
from .roles import READ_ONLY_ROLES, Role


@dataclass(frozen=True)
class JobHandler:
    kind: str
    title: str | Promise
    roles: frozenset[str]
    run: Callable[[Job, Callable], dict | None]
    # Jobs that only read (exports, verification) may be started by read-only roles.
    read_only: bool = False


_handlers: dict[str, JobHandler] = {}


def job_handler(kind: str, title, *, roles, read_only: bool = False):
    def decorator(func):
        _handlers[kind] = JobHandler(kind, title, frozenset(roles), func, read_only)
        return func

    return decorator


def handler_title(kind: str) -> str:
    handler = _handlers.get(kind)
    return str(handler.title) if handler else kind


def handlers_for(user: User) -> list[JobHandler]:
    return [h for h in _handlers.values() if _may_start(user, h)]


def _may_start(user: User, handler: JobHandler) -> bool:
    if not user.is_authenticated or user.role not in handler.roles:
        return False
    return handler.read_only or user.role not in READ_ONLY_ROLES


class Progress:
    """Writes a job's progress to its row, at most every ``interval`` seconds."""

    def __init__(self, job: Job, interval: float = 0.5):
        self.job, self.interval, self._last = job, interval, 0.0

    def __call__(self, done: int, total: int | None = None, message: str | None = None):
        now = time.monotonic()
        if now - self._last < self.interval and (total is None or done < total):
            return
        self._last = now
        update: dict = {"done": done}
        if total is not None:
            update["total"] = total
        if message is not None:
            update["message"] = str(message)[:300]
        Job.objects.filter(pk=self.job.pk).update(**update)


def job_start(*, kind: str, by: User, params: dict | None = None) -> Job:
    handler = _handlers.get(kind)
    if handler is None:
        raise ValidationError({"kind": _("Unknown job kind '%(kind)s'.") % {"kind": kind}})
    if not _may_start(by, handler):
        raise PermissionDenied
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, params=params or {}, created_by=by, organisation=by.organisation
        )
        audit.record_for(job, action="job_start", after={"kind": kind, "params": job.params},
                         actor=by)
        # Enqueue after commit, so that the worker finds the row.
        transaction.on_commit(lambda: run_job(str(job.pk)))
    return job


def job_execute(job_id: str) -> Job:
    """Run a queued job now, in this process (the worker calls this)."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return job
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    handler = _handlers[job.kind]
    try:
        with audit.acting_as(job.created_by):
            result = handler.run(job, Progress(job))
    except Exception as exc:  # the job fails, the worker lives on; the reason is shown
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            message=f"{type(exc).__name__}: {exc}"[:300],
            result={"traceback": traceback.format_exc()[-4000:]},
        )
    else:
        job.refresh_from_db(fields=["done", "total"])
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.SUCCEEDED,
            finished_at=timezone.now(),
            result=result,
            done=max(job.done, job.total),
        )
    job.refresh_from_db()
    return job


@db_task()
def run_job(job_id: str) -> None:
    job_execute(job_id)


# -- the platform's own jobs -----------------------------------------------------------


def register_core() -> None:
    from . import selectors, services

    admin_auditor = {Role.PLATFORM_ADMIN, Role.AUDITOR}

    @job_handler("audit.verify", _("Verify the audit chain"), roles=admin_auditor,
                 read_only=True)
    def audit_verify(job: Job, progress: Progress) -> dict:
        from .models import AuditEntry

        total = AuditEntry.objects.count()
        progress(0, total, _("Checking the hash chain"))
        report = services.audit_verify(progress=lambda n: progress(n, total))
        brk = report.first_break
        return {
            "ok": report.ok,
            "checked": report.checked,
            "break": None if brk is None else {"seq": brk.seq, "reason": brk.reason,
                                                "detail": brk.detail},
        }

    @job_handler("audit.export", _("Export the audit trail (CSV)"), roles=admin_auditor,
                 read_only=True)
    def audit_export(job: Job, progress: Progress) -> dict:
        params = job.params or {}
        dates = {k: dt.date.fromisoformat(params[k]) for k in ("since", "until") if params.get(k)}
        queryset = selectors.audit_entries_filtered(
            job.created_by,
            **{k: params.get(k, "") for k in ("actor", "action", "object_type", "object_id", "q")},
            **dates,
        ).order_by("seq")
        name = f"audit-{job.pk}.csv"
        rows = services.audit_export_csv(
            queryset=queryset, path=services.exports_dir() / name,
            progress=lambda done, total: progress(done, total),
        )
        Job.objects.filter(pk=job.pk).update(result_file=name)
        return {"rows": rows}
