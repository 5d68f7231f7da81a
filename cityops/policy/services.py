"""Policy operations that write: saving a policy's rules (parsed, validated, versioned), its
status (a conflict review before it is put in force), the registry import (all rows or none),
match runs (full, and incremental for one policy or some enterprises) and the notifications of
new matches.

Bulk writes (an import, a match run) record one audit entry each, not one per row.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core import audit
from cityops.core import services as core_services
from cityops.core.models import Organisation, User
from cityops.core.roles import Role
from cityops.core.workflow import TransitionRefused, Workflow

from . import selectors
from .engine import BitsetEngine, compile_policies, review
from .engine import registry as engine_registry
from .engine.conflicts import ReviewReport
from .engine.errors import PolicyError, PolicyValidationError, Problem
from .models import Enterprise, MatchRun, Policy, PolicyMatch, PolicyStatus, PolicyVersion

ProgressFn = Callable[..., None] | None

POLICY_WORKFLOW = Workflow(
    [
        ("put_in_force", [PolicyStatus.DRAFT], PolicyStatus.IN_FORCE),
        ("expire", [PolicyStatus.IN_FORCE], PolicyStatus.EXPIRED),
        ("repeal", [PolicyStatus.DRAFT, PolicyStatus.IN_FORCE], PolicyStatus.REPEALED),
    ],
    labels=PolicyStatus,
)
STATUS_ACTIONS = {PolicyStatus.IN_FORCE: "put_in_force", PolicyStatus.EXPIRED: "expire",
                  PolicyStatus.REPEALED: "repeal"}
EDITABLE_STATES = (PolicyStatus.DRAFT, PolicyStatus.IN_FORCE)
NOTIFY_KIND = "policy.match"
MAX_NAME = 200


class PolicyReviewRefused(ValidationError):
    """Putting a policy in force (or changing the rules of one in force) was refused because
    the conflict review found a rule no enterprise can meet; an override needs a reason."""

    def __init__(self, report: ReviewReport):
        self.report = report
        texts = "; ".join(u.en for u in report.unsatisfiable)
        texts_zh = "；".join(u.zh for u in report.unsatisfiable)
        super().__init__({"override_reason": [
            _("The conflict review found a rule no enterprise can meet: %(findings)s. Fix the "
              "rule, or give a reason to put it in force anyway.")
            % {"findings": texts_zh if _is_zh() else texts}]})


def _is_zh() -> bool:
    return selectors.lang() == "zh"


def _today() -> dt.date:
    return timezone.localdate()


# -- policies ----------------------------------------------------------------------------------


def _top_line(source: str, key: str) -> int | None:
    """The line of a top-level key in a YAML text (for problems found after parsing)."""
    match = re.search(rf"^{re.escape(key)}\s*:", source, re.MULTILINE)
    return source.count("\n", 0, match.start()) + 1 if match else None


def _may_edit(by: User | None, policy: Policy | None) -> bool:
    if by is None:  # the system (demo loader)
        return True
    if by.role not in (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER):
        return False
    if policy is None:
        return True
    return Policy.objects.editable_by(by).filter(pk=policy.pk).exists()


def _issuer_for(by: User | None, issuer: Organisation | None, policy: Policy | None):
    if by is not None and by.role == Role.DEPARTMENT_OFFICER:
        # a department keeps its own policies only
        return by.organisation
    if issuer is not None:
        return issuer
    if policy is not None:
        return policy.issuer
    if by is not None and by.organisation is not None:
        return by.organisation
    raise ValidationError({"issuer": [_("Choose the responsible department.")]})


def policy_check(source: str, *, policy: Policy | None = None):
    """The parsed policy of ``source``, or PolicyValidationError naming every problem with its
    line: the language's own checks, then what needs the database (a 文号 or id already used,
    the policy it implements)."""
    parsed = selectors.parse_source(source)
    problems = []
    others = Policy.objects.exclude(pk=policy.pk) if policy is not None else Policy.objects.all()
    if others.filter(doc_number=parsed.doc_number).exists():
        problems.append(Problem(_top_line(source, "doc_number"), "doc_number",
                                f"文号 {parsed.doc_number} 已被另一项政策使用。",
                                f"the document number {parsed.doc_number} is already used by "
                                "another policy."))
    if others.filter(key=parsed.id).exists():
        problems.append(Problem(_top_line(source, "id") or _top_line(source, "doc_number"), "id",
                                f"政策编号 {parsed.id} 已被另一项政策使用。",
                                f"the policy id {parsed.id} is already used by another policy."))
    if parsed.implements:
        parent = others.filter(Q(key=parsed.implements) | Q(doc_number=parsed.implements)).first()
        if parent is None:
            problems.append(Problem(_top_line(source, "implements"), "implements",
                                    f"找不到被实施的政策 {parsed.implements}。",
                                    f"no policy {parsed.implements} to implement."))
    if problems:
        raise PolicyValidationError(problems)
    return parsed


def _parent_of(parsed) -> Policy | None:
    if not parsed.implements:
        return None
    return Policy.objects.filter(Q(key=parsed.implements)
                                 | Q(doc_number=parsed.implements)).first()


@transaction.atomic
def policy_save(*, by: User | None, source: str, policy: Policy | None = None,
                issuer: Organisation | None = None, issuing_authority: str | None = None,
                requires_implementation: bool | None = None, override_reason: str = "",
                as_of: dt.date | None = None) -> Policy:
    """Create a policy or save a new version of its rules.

    The text is parsed and validated (PolicyValidationError with every problem and its line);
    a department saves only its own policies (PermissionDenied); expired and repealed policies
    are not edited (TransitionRefused). Changing the rules of a policy in force re-runs the
    conflict review (an unsatisfiable rule needs ``override_reason``) and re-matches it.
    """
    if not _may_edit(by, policy):
        raise PermissionDenied
    if policy is not None:
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if policy.status not in EDITABLE_STATES:
            raise TransitionRefused("edit", policy.get_status_display(), _(
                "A policy that is %(state)s is not edited any more; issue a new one.")
                % {"state": policy.get_status_display()})
    parsed = policy_check(source, policy=policy)
    creating = policy is None
    old_source = None if creating else policy.source
    if creating:
        policy = Policy(created_by=by, version=1)
    policy.issuer = _issuer_for(by, issuer, None if creating else policy)
    policy.key = parsed.id
    policy.doc_number = parsed.doc_number
    policy.title = parsed.title[:200]
    policy.level = parsed.level
    policy.region_scope = ",".join(parsed.region_scope)
    policy.effective_from = parsed.effective_from
    policy.effective_to = parsed.effective_to
    policy.free_application = parsed.free_application
    policy.exclusivity_groups = ",".join(parsed.exclusivity_groups)
    policy.benefit_kinds = ",".join(sorted({b.kind for b in parsed.benefits}))
    policy.issued_on = parsed.issued_on or (policy.issued_on if not creating else None)
    policy.parent = _parent_of(parsed)
    policy.source = source
    if issuing_authority is not None:
        policy.issuing_authority = issuing_authority[:100]
    if requires_implementation is not None:
        policy.requires_implementation = requires_implementation
    changed = old_source is not None and old_source != source
    if changed:
        policy.version += 1
    if changed and policy.status == PolicyStatus.IN_FORCE:
        _review_or_refuse(policy, override_reason, as_of)
    policy.save()
    if creating or changed:
        PolicyVersion.objects.create(policy=policy, version=policy.version, source=source,
                                     created_at=timezone.now(), created_by=by)
    if changed and policy.status == PolicyStatus.IN_FORCE:
        policy_rematch(policy=policy, by=by, as_of=as_of)
    return policy


def policy_review(*, policy: Policy, as_of: dt.date | None = None,
                  source: str | None = None) -> ReviewReport:
    """The conflict review of a policy (or of ``source``, its rules not yet saved) against the
    policies in force: unsatisfiable rules, overlaps in an exclusivity group (with a witness
    and the count of registry enterprises meeting both), duplicates and subsumption."""
    if source is not None:
        import dataclasses

        new = dataclasses.replace(selectors.parse_source(source), id=policy.doc_number)
    else:
        new = selectors.rule_policy(policy, id_as="doc_number")
    as_of = as_of or max(_today(), new.effective_from)
    others = [selectors.rule_policy(p, id_as="doc_number")
              for p in Policy.objects.filter(status=PolicyStatus.IN_FORCE).exclude(pk=policy.pk)]
    frame, _pks = selectors.registry_frame()
    return review(new, others, frame if frame.height else None, as_of=as_of)


def _review_or_refuse(policy: Policy, override_reason: str, as_of) -> ReviewReport:
    report = policy_review(policy=policy, source=policy.source, as_of=as_of)
    if report.unsatisfiable:
        reason = (override_reason or "").strip()
        if not reason:
            raise PolicyReviewRefused(report)
        policy.override_reason = reason[:2000]
    return report


@transaction.atomic
def policy_set_status(*, policy: Policy, by: User | None, status: str,
                      override_reason: str = "", as_of: dt.date | None = None,
                      review: bool = True, rematch: bool = True) -> Policy:
    """Draft → in force (after the conflict review), draft or in force → repealed, in force
    → expired.

    Putting a policy in force matches it against the registry and notifies the enterprises it
    newly reaches; expiring or repealing it removes its current results. ``review=False`` and
    ``rematch=False`` are for the system only (loading policies issued elsewhere, followed by
    one full match run)."""
    if not _may_edit(by, policy):
        raise PermissionDenied
    if by is not None and not (review and rematch):
        raise PermissionDenied  # only the system skips the review
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    action = STATUS_ACTIONS.get(status, status)
    POLICY_WORKFLOW.check(policy, action)
    if action == "put_in_force":
        if review:
            _review_or_refuse(policy, override_reason, as_of)
        policy.issued_on = policy.issued_on or _today()
    POLICY_WORKFLOW.apply(policy, action)
    policy.save()
    if rematch:
        policy_rematch(policy=policy, by=by, as_of=as_of)
    return policy


def policies_expire(*, as_of: dt.date | None = None, by: User | None = None) -> int:
    """Policies in force whose effective period ended before ``as_of`` become expired."""
    as_of = as_of or _today()
    ended = Policy.objects.filter(status=PolicyStatus.IN_FORCE, effective_to__lt=as_of)
    count = 0
    for policy in ended:
        POLICY_WORKFLOW.apply(policy, "expire")
        policy.save(update_fields=["status", "updated_at"])
        count += 1
    if count:
        PolicyMatch.objects.filter(policy__status=PolicyStatus.EXPIRED).delete()
    return count


# -- the registry ------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """The outcome of a registry import: loaded (created / updated) or refused, with the
    rejected rows (row number in the file, field, value, reason) — nothing is half-loaded."""

    total: int = 0
    created: int = 0
    updated: int = 0
    rejected: list = field(default_factory=list)  # engine RejectedRow
    error: str = ""  # the whole file is unusable (type, missing columns)
    ignored_columns: list[str] = field(default_factory=list)
    run: MatchRun | None = None

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.error

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({r.row for r in self.rejected})

    def messages(self, lg: str = "zh") -> list[str]:
        if self.error:
            return [self.error]
        if lg == "zh":
            return [f"第 {r.row} 行，{r.field}（{r.value}）：{r.zh}" for r in self.rejected]
        return [f"row {r.row}, {r.field} ({r.value}): {r.en}" for r in self.rejected]


def _too_long_names(imported, first_row: int) -> list:
    """Names longer than the profile keeps (only checked when every row passed the engine's
    checks, so that the valid rows are the file's rows in order)."""
    names = imported.frame.get_column("name").to_list()
    return [engine_registry.RejectedRow(
        i + first_row, "name", name[:40] + "…", f"企业名称超过 {MAX_NAME} 个字符。",
        f"The enterprise name is longer than {MAX_NAME} characters.")
        for i, name in enumerate(names) if len(name) > MAX_NAME]


def registry_import(*, by: User | None, path: str | Path, filename: str = "",
                    rematch: bool = True, as_of: dt.date | None = None) -> ImportReport:
    """Import enterprise profiles from a CSV, Excel or Parquet file: every row valid, or
    nothing loaded and a report of the rejected rows. Existing profiles (same USCC) are
    updated; their links to organisations are kept. One audit entry per import."""
    filename = filename or Path(path).name
    try:
        raw, first_row = engine_registry.registry_read(path)
        imported = engine_registry.registry_validate(raw, first_row=first_row)
    except PolicyError as e:
        return ImportReport(error=f"{e.zh}／{e.en}" if _is_zh() else f"{e.en} / {e.zh}")
    except Exception as e:  # a damaged file (zip, Excel, Parquet) is bad input
        return ImportReport(error=_("The file “%(name)s” cannot be read (%(error)s).")
                            % {"name": filename, "error": type(e).__name__})
    report = ImportReport(total=imported.total, rejected=list(imported.rejected),
                          ignored_columns=list(imported.ignored_columns))
    if report.ok:
        report.rejected += _too_long_names(imported, first_row)
    if not report.ok:
        return report
    if imported.total == 0:
        report.error = _("The file has no rows.")
        return report
    with transaction.atomic():
        report.created, report.updated, pks = registry_load(imported.frame)
        audit.record(action="registry_import", object_type="policy.enterprise",
                     object_id="", object_repr=filename[:200], actor=by,
                     after={"file": filename, "rows": imported.total,
                            "created": report.created, "updated": report.updated})
        if rematch and Policy.objects.filter(status=PolicyStatus.IN_FORCE).exists():
            report.run = enterprises_rematch(enterprise_ids=pks, by=by, as_of=as_of,
                                             kind="import", subject=filename)
    return report


def registry_load(frame: pl.DataFrame) -> tuple[int, int, list[int]]:
    """Upsert a validated registry frame (the engine's types) into Enterprise rows by USCC.
    Returns (created, updated, primary keys). The caller holds the transaction."""
    now = timezone.now()
    usccs = frame.get_column("uscc").to_list()
    existing = set(Enterprise.objects.filter(uscc__in=usccs).values_list("uscc", flat=True))
    rows = [Enterprise(uscc=r["uscc"], name=r["name"], region_code=r["region_code"] or "",
                       industry_code=r["industry_code"] or "",
                       attributes=selectors.attributes_json(r), updated_at=now)
            for r in frame.iter_rows(named=True)]
    Enterprise.objects.bulk_create(
        rows, batch_size=1000, update_conflicts=True, unique_fields=["uscc"],
        update_fields=["name", "region_code", "industry_code", "attributes", "updated_at"])
    pks = list(Enterprise.objects.filter(uscc__in=usccs).values_list("pk", flat=True))
    return len(usccs) - len(existing), len(existing), pks


@transaction.atomic
def enterprise_save(*, by: User | None, enterprise: Enterprise | None = None,
                    values: dict, organisation: Organisation | None = None,
                    as_of: dt.date | None = None) -> Enterprise:
    """Create or change one enterprise profile (validated as an import row is) and re-match
    it against every policy in force."""
    if by is not None and by.role != Role.PLATFORM_ADMIN:
        raise PermissionDenied
    current = selectors.enterprise_profile(enterprise) if enterprise is not None else {}
    merged = {**current, **values}
    if enterprise is not None and merged.get("uscc") != enterprise.uscc:
        raise ValidationError({"uscc": [_("The unified social credit code of a profile does "
                                          "not change.")]})
    unknown = sorted(set(values) - set(selectors.A.REGISTRY_COLUMNS))
    if unknown:
        raise ValidationError({name: [_("Unknown attribute.")] for name in unknown})
    raw = pl.DataFrame({name: [None if merged.get(name) is None else str(
        merged[name].isoformat() if isinstance(merged[name], dt.date) else merged[name])]
        for name in selectors.A.REGISTRY_COLUMNS}, schema={n: pl.String for n in
                                                            selectors.A.REGISTRY_COLUMNS})
    checked = engine_registry.registry_validate(raw, first_row=1)
    if not checked.ok:
        errors: dict[str, list[str]] = {}
        for r in checked.rejected:
            errors.setdefault(r.field, []).append(r.zh if _is_zh() else r.en)
        raise ValidationError(errors)
    row = checked.frame.row(0, named=True)
    if len(row["name"]) > MAX_NAME:
        raise ValidationError({"name": [_("At most %(n)s characters.") % {"n": MAX_NAME}]})
    if enterprise is None:
        if Enterprise.objects.filter(uscc=row["uscc"]).exists():
            raise ValidationError({"uscc": [_("A profile with this code exists already.")]})
        enterprise = Enterprise(uscc=row["uscc"])
    enterprise.name = row["name"]
    enterprise.region_code = row["region_code"] or ""
    enterprise.industry_code = row["industry_code"] or ""
    enterprise.attributes = selectors.attributes_json(row)
    if organisation is not None:
        enterprise.organisation = organisation
    before = audit.snapshot(enterprise) if enterprise.pk else None
    enterprise.save()
    audit.record_for(enterprise, action="update" if before else "create", actor=by,
                     before=before, after=audit.snapshot(enterprise))
    enterprises_rematch(enterprise_ids=[enterprise.pk], by=by, as_of=as_of, kind="enterprise",
                        subject=enterprise.uscc)
    return enterprise


# -- matching ----------------------------------------------------------------------------------


@dataclass
class _Results:
    """Engine output mapped to rows: (enterprise pk, policy pk) → benefit (matched) and
    (enterprise pk, policy pk) → failing clause (near misses)."""

    matched: dict[tuple[int, int], float | None]
    near: dict[tuple[int, int], int]
    stats: dict


def _engine_results(frame: pl.DataFrame, pks: list[int], policies: list[Policy],
                    as_of: dt.date) -> _Results:
    parsed = [selectors.rule_policy(p) for p in policies]
    if not parsed or frame.height == 0:
        return _Results({}, {}, {"engine": BitsetEngine.name, "policies": len(parsed),
                                 "enterprises": frame.height})
    plan = compile_policies(parsed)
    several = _several_clauses(parsed)
    result = BitsetEngine().match(frame, plan, as_of=as_of, near_misses=True)
    pk_of = np.asarray(pks, dtype=np.int64)
    pairs = result.pairs
    ent = pk_of[pairs.get_column("row").to_numpy()].tolist()
    pol = [int(p) for p in pairs.get_column("policy_id").cast(pl.String).to_list()]
    ben = pairs.get_column("benefit_wan").to_list()
    matched = dict(zip(zip(ent, pol, strict=True), ben, strict=True))
    near = {}
    nm = result.near_misses
    if nm is not None and nm.height:
        ent = pk_of[nm.get_column("row").to_numpy()].tolist()
        pol = [int(p) for p in nm.get_column("policy_id").cast(pl.String).to_list()]
        near = {pair: c for pair, c in zip(zip(ent, pol, strict=True),
                                           nm.get_column("clause").to_list(), strict=True)
                if pair[1] in several}
    return _Results(matched, near, dict(result.stats))


def _several_clauses(parsed) -> set[int]:
    """Policies whose near misses mean something: an enterprise that fails the only condition
    of a one-condition policy does not qualify at all, it is not 'one condition short'."""
    return {int(p.id) for p in parsed if p.clauses is not None and len(p.clauses) >= 2}


def _benefit(value: float | None) -> Decimal | None:
    if value is None or value != value:  # NaN: unknown
        return None
    return Decimal(str(round(value, 4)))


class _ClauseTexts:
    """The failing clause of a near miss in words (Chinese, stored), once per policy."""

    def __init__(self, policies: Iterable[Policy]):
        self.by_pk = {p.pk: p for p in policies}
        self.cache: dict[tuple[int, int], str] = {}

    def __call__(self, policy_pk: int, clause: int) -> str:
        key = (policy_pk, clause)
        if key not in self.cache:
            parsed = selectors.rule_policy(self.by_pk[policy_pk])
            self.cache[key] = selectors.clause_text(parsed, clause, "zh")[:300]
        return self.cache[key]


def _write_results(results: _Results, *, run: MatchRun, scope: Q, policies: list[Policy],
                   progress: ProgressFn = None) -> list[tuple[int, int]]:
    """Replace the stored results within ``scope`` (all, one policy, some enterprises) by the
    new ones; keep when each pair was first matched. Returns the newly matched pairs."""
    old = {(e, p): t for e, p, t in PolicyMatch.objects.filter(scope, matched=True)
           .values_list("enterprise_id", "policy_id", "first_matched_at")
           .iterator(chunk_size=5000)}
    PolicyMatch.objects.filter(scope).delete()
    now = run.started_at
    texts = _ClauseTexts(policies)
    ops = connection.ops
    adapt_time = ops.adapt_datetimefield_value
    field = PolicyMatch._meta.get_field("benefit_wan")

    def money(b):
        v = _benefit(b)
        return None if v is None else ops.adapt_decimalfield_value(v, field.max_digits,
                                                                    field.decimal_places)

    rows = [(e, p, run.pk, True, money(b), None, "", adapt_time(old.get((e, p)) or now))
            for (e, p), b in results.matched.items()]
    rows += [(e, p, run.pk, False, None, c, texts(p, c), None)
             for (e, p), c in results.near.items()]
    _insert_results(rows, progress)
    return [pair for pair in results.matched if pair not in old]


_COLUMNS = ("enterprise_id", "policy_id", "run_id", "matched", "benefit_wan", "failed_clause",
            "failed_condition", "first_matched_at")


def _insert_results(rows: list[tuple], progress: ProgressFn = None, batch: int = 5000) -> None:
    """Insert result rows with one prepared statement per batch: a run writes 100,000s of
    rows, and building a model instance for each costs more than the insert itself."""
    table = connection.ops.quote_name(PolicyMatch._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    total = len(rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: several times faster than batched INSERTs for 100,000s of rows. The
            # connection is busy until it ends, so progress (a job writes it through the same
            # connection) is reported after.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if progress:
                progress(total, total, _("Storing the results"))
            return
        for start in range(0, total, batch):
            cursor.executemany(sql, rows[start:start + batch])
            if progress:
                progress(min(start + batch, total), total, _("Storing the results"))


def _notify_new(pairs: list[tuple[int, int]]) -> int:
    """Tell the users of each enterprise about each policy it newly qualifies for, once."""
    if not pairs:
        return 0
    enterprise_ids = {e for e, _p in pairs}
    linked = dict(Enterprise.objects.filter(pk__in=enterprise_ids, organisation__isnull=False)
                  .values_list("pk", "organisation_id"))
    if not linked:
        return 0
    users: dict[int, list[User]] = {}
    for user in User.objects.filter(is_active=True, role=Role.ENTERPRISE,
                                     organisation_id__in=set(linked.values())):
        users.setdefault(user.organisation_id, []).append(user)
    wanted = [(e, p) for e, p in pairs if e in linked and users.get(linked[e])]
    titles = dict(Policy.objects.filter(pk__in={p for _e, p in wanted})
                  .values_list("pk", "title"))
    sent = 0
    for e, p in wanted:
        sent += core_services.notify(
            recipients=users[linked[e]], kind=NOTIFY_KIND,
            title=_("New policy you qualify for: %(title)s") % {"title": titles[p]},
            body=_("Your enterprise meets the conditions of this policy. See the estimated "
                   "benefit and how to apply."),
            url=reverse("policy:explain", args=[p, e]),
            key=f"policy-match:{p}:{e}")
    return sent


def _run_record(run: MatchRun, by: User | None) -> None:
    audit.record_for(run, action="match_run", actor=by, after={
        "kind": run.kind, "subject": run.subject, "as_of": run.as_of.isoformat(),
        "policies": run.policies, "enterprises": run.enterprises, "matches": run.matches,
        "near_misses": run.near_misses, "notified": run.notified,
        "seconds": round(run.seconds, 3)})


@transaction.atomic
def match_run(*, by: User | None = None, as_of: dt.date | None = None,
              progress: ProgressFn = None, expire: bool = True) -> MatchRun:
    """Match every enterprise of the registry against every policy in force (the columnar
    engine), store the results (matches with estimated benefits, near misses with the failing
    clause) and notify enterprises of their new matches."""
    as_of = as_of or _today()
    started = timezone.now()
    t0 = time.perf_counter()
    if progress:
        progress(0, 4, _("Reading the registry and the policies"))
    if expire:
        policies_expire(as_of=as_of, by=by)
    policies = selectors.policies_in_effect(as_of)
    frame, pks = selectors.registry_frame()
    if progress:
        progress(1, 4, _("Matching %(n)s enterprises against %(p)s policies")
                 % {"n": frame.height, "p": len(policies)})
    results = _engine_results(frame, pks, policies, as_of)
    run = MatchRun.objects.create(
        started_at=started, started_by=by, as_of=as_of, kind="full", policies=len(policies),
        enterprises=frame.height, matches=len(results.matched), near_misses=len(results.near),
        engine=results.stats.get("engine", ""), stats=results.stats)
    new = _write_results(results, run=run, scope=Q(), policies=policies, progress=progress)
    run.notified = _notify_new(new)
    run.finished_at = timezone.now()
    run.seconds = time.perf_counter() - t0
    run.save(update_fields=["notified", "finished_at", "seconds"])
    _run_record(run, by)
    return run


@transaction.atomic
def policy_rematch(*, policy: Policy, by: User | None = None,
                   as_of: dt.date | None = None) -> MatchRun:
    """Re-match one policy (new rules, or a status change) against the whole registry: only
    its own result rows change."""
    as_of = as_of or _today()
    started = timezone.now()
    t0 = time.perf_counter()
    policy.refresh_from_db()
    effective = policy.status == PolicyStatus.IN_FORCE and policy.effective_from <= as_of and (
        policy.effective_to is None or policy.effective_to >= as_of)
    policies = [policy] if effective else []
    frame, pks = selectors.registry_frame()
    results = _engine_results(frame, pks, policies, as_of)
    run = MatchRun.objects.create(
        started_at=started, started_by=by, as_of=as_of, kind="policy",
        subject=policy.doc_number[:200], policies=len(policies), enterprises=frame.height,
        matches=len(results.matched), near_misses=len(results.near),
        engine=results.stats.get("engine", ""), stats=results.stats)
    new = _write_results(results, run=run, scope=Q(policy=policy), policies=policies)
    run.notified = _notify_new(new)
    run.finished_at = timezone.now()
    run.seconds = time.perf_counter() - t0
    run.save(update_fields=["notified", "finished_at", "seconds"])
    _run_record(run, by)
    return run


@transaction.atomic
def enterprises_rematch(*, enterprise_ids: list[int], by: User | None = None,
                        as_of: dt.date | None = None, kind: str = "enterprise",
                        subject: str = "") -> MatchRun:
    """Re-match some enterprises (a changed profile, an import) against every policy in force:
    only their result rows change. One enterprise takes the engine's one-profile fast path."""
    as_of = as_of or _today()
    started = timezone.now()
    t0 = time.perf_counter()
    policies = selectors.policies_in_effect(as_of)
    if len(enterprise_ids) == 1:
        results = _profile_results(Enterprise.objects.get(pk=enterprise_ids[0]), policies, as_of)
        count = 1
    else:
        frame, pks = selectors.registry_frame(Enterprise.objects.filter(pk__in=enterprise_ids))
        results = _engine_results(frame, pks, policies, as_of)
        count = frame.height
    run = MatchRun.objects.create(
        started_at=started, started_by=by, as_of=as_of, kind=kind, subject=subject[:200],
        policies=len(policies), enterprises=count, matches=len(results.matched),
        near_misses=len(results.near), engine=results.stats.get("engine", ""),
        stats=results.stats)
    new = _write_results(results, run=run, scope=Q(enterprise_id__in=enterprise_ids),
                         policies=policies)
    run.notified = _notify_new(new)
    run.finished_at = timezone.now()
    run.seconds = time.perf_counter() - t0
    run.save(update_fields=["notified", "finished_at", "seconds"])
    _run_record(run, by)
    return run


def _profile_results(enterprise: Enterprise, policies: list[Policy], as_of) -> _Results:
    if not policies:
        return _Results({}, {}, {"engine": "profile", "policies": 0, "enterprises": 1})
    t0 = time.perf_counter()
    parsed = [selectors.rule_policy(p) for p in policies]
    plan = compile_policies(parsed)
    several = _several_clauses(parsed)
    found = plan.match_profile(selectors.enterprise_profile(enterprise), as_of, near_misses=True)
    return _Results(
        {(enterprise.pk, int(pid)): b for pid, b in found.matched},
        {(enterprise.pk, int(pid)): c for pid, c in found.near_misses if int(pid) in several},
        {"engine": "profile", "policies": len(policies), "enterprises": 1,
         "match_s": round(time.perf_counter() - t0, 4)})
