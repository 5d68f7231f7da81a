"""Tamper-evident audit trail.

Every change to a registered model is recorded by signal handlers, inside the same
transaction as the change, as an ``AuditEntry`` whose hash covers its own content and the
previous entry's hash. ``verify_chain`` recomputes the chain and names the first entry that
does not fit: an edited row changes its hash, a deleted row leaves a gap in the sequence, and
a truncated tail no longer matches the head.

The actor is taken from a context variable that the web middleware, the CLI and the job
worker set (``acting_as``); changes made with no actor are recorded as the system's.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "prev_hash",
)

_current_actor: contextvars.ContextVar = contextvars.ContextVar("audit_actor", default=None)


# -- pure part: hashing and verification, no database ------------------------------------


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot serialise {type(value).__name__} in an audit entry")


def canonical_json(value: object) -> str:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )


def entry_hash(fields: dict) -> str:
    """sha256 over the canonical JSON of an entry's fields, prev_hash included."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    if isinstance(payload["created_at"], dt.datetime):
        payload["created_at"] = payload["created_at"].astimezone(dt.UTC).isoformat()
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str  # "hash", "prev_hash", "gap", "head", "day"
    detail: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_seq: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_entries(
    entries: Iterable[dict],
    *,
    head: tuple[int, str] | None,
    progress: Callable[[int], None] | None = None,
    tz: dt.tzinfo | None = None,
) -> ChainReport:
    """Walk entries in sequence order and return the first break, if any."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for fields in entries:
        seq = fields["seq"]
        if seq != expected_seq:
            return ChainReport(
                checked,
                head[0] if head else 0,
                ChainBreak(
                    expected_seq,
                    "gap",
                    f"entry #{expected_seq} is missing (next present is #{seq})",
                ),
            )
        if fields["prev_hash"] != prev_hash:
            return ChainReport(
                checked,
                head[0] if head else 0,
                ChainBreak(seq, "prev_hash", f"entry #{seq} does not point to entry #{seq - 1}"),
            )
        if entry_hash(fields) != fields["hash"]:
            return ChainReport(
                checked,
                head[0] if head else 0,
                ChainBreak(seq, "hash", f"entry #{seq} was changed after it was written"),
            )
        if tz is not None and "day" in fields and (
            fields["created_at"].astimezone(tz).date() != fields["day"]
        ):
            return ChainReport(
                checked,
                head[0] if head else 0,
                ChainBreak(seq, "day", f"entry #{seq} has a day that does not match its time"),
            )
        prev_hash = fields["hash"]
        expected_seq += 1
        checked += 1
        if progress is not None and checked % 1000 == 0:
            progress(checked)
    last_seq = expected_seq - 1
    if head is not None and (head[0] != last_seq or head[1] != prev_hash):
        return ChainReport(
            checked,
            head[0],
            ChainBreak(
                last_seq + 1 if head[0] > last_seq else head[0],
                "head",
                f"the chain ends at #{last_seq} but its head records #{head[0]}",
            ),
        )
    if progress is not None:
        progress(checked)
    return ChainReport(checked, last_seq, None)


# -- recording --------------------------------------------------------------------------


@contextlib.contextmanager
def acting_as(user) -> Iterator[None]:
    """Attribute the changes made inside the block to ``user`` (None: the system)."""
    token = _current_actor.set(user)
    try:
        yield
    finally:
        _current_actor.reset(token)


def current_actor():
    actor = _current_actor.get()
    if isinstance(actor, _RequestActor):
        # Resolved late: DRF authenticates tokens inside the view, after the middleware ran.
        user = getattr(actor.request, "user", None)
        return user if user is not None and user.is_authenticated else None
    return actor


@dataclass(frozen=True)
class _RequestActor:
    request: object


@contextlib.contextmanager
def acting_for_request(request) -> Iterator[None]:
    token = _current_actor.set(_RequestActor(request))
    try:
        yield
    finally:
        _current_actor.reset(token)


def snapshot(instance: models.Model, exclude: Iterable[str] = ()) -> dict:
    """The concrete field values of a row, JSON-ready (foreign keys as ids)."""
    skip = set(exclude)
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in skip:
            continue
        value = getattr(instance, field.attname)
        data[field.attname] = json.loads(canonical_json(value))
    return data


def record(
    *,
    action: str,
    object_type: str,
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
):
    """Append one entry to the chain. Runs in (or opens) a transaction and locks the head."""
    from .models import AuditEntry, AuditHead

    actor = actor if actor is not None else current_actor()
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        fields = {
            "seq": head.seq + 1,
            # Microseconds dropped: some databases store fewer digits than Python keeps.
            "created_at": timezone.now().replace(microsecond=0),
            "actor_id": getattr(actor, "pk", None),
            "actor_username": getattr(actor, "username", "") or "",
            "actor_role": getattr(actor, "role", "") or "",
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "object_repr": str(object_repr)[:200],
            "before": before,
            "after": after,
            "prev_hash": head.hash,
        }
        fields["hash"] = entry_hash(fields)
        entry = AuditEntry.objects.create(**fields, day=timezone.localdate(fields["created_at"]))
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


def record_for(instance: models.Model, *, action: str, before=None, after=None, actor=None):
    return record(
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance),
        before=before,
        after=after,
        actor=actor,
    )


# -- automatic recording for registered models -------------------------------------------

_registry: dict[type[models.Model], tuple[str, ...]] = {}


def register(model: type[models.Model], *, exclude: Iterable[str] = ()) -> None:
    """Record every create, update and delete of ``model`` (fields in ``exclude`` are left out)."""
    _registry[model] = tuple(exclude) + ("updated_at",)
    uid = f"audit:{model._meta.label_lower}"
    pre_save.connect(_pre_save, sender=model, dispatch_uid=uid + ":pre")
    post_save.connect(_post_save, sender=model, dispatch_uid=uid + ":post")
    post_delete.connect(_post_delete, sender=model, dispatch_uid=uid + ":del")


def is_registered(model: type[models.Model]) -> bool:
    return model in _registry


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        instance._audit_before = None
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old, _registry[sender]) if old is not None else None


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    exclude = _registry[sender]
    after = snapshot(instance, exclude)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        record_for(instance, action="create", after=after)
        return
    changed = sorted(k for k in after if before.get(k) != after[k])
    if not changed:
        return  # a save that changed nothing is not a state change
    record_for(
        instance,
        action="update",
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
    )


def _post_delete(sender, instance, **kwargs):
    record_for(instance, action="delete", before=snapshot(instance, _registry[sender]))
