"""Writing and verifying the audit log.

Every row carries the SHA-256 of its predecessor, so a changed or removed row breaks
the chain; database triggers (migration 0002) refuse UPDATE and DELETE outright.
The write happens inside the caller's transaction: if the audit row cannot be
written, the audited action rolls back with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from renkou.core.models import AuditEvent, User

GENESIS = "0" * 64
# A lock id for pg_advisory_xact_lock: serialises chain appends on PostgreSQL.
_PG_CHAIN_LOCK = 7_301_115
_ID_LIKE = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")

DetailValue = str | int | bool | None


class AuditLeakError(ValueError):
    """Raised when a caller tries to log something that looks like a raw identity number."""


def _clean_detail(detail: Mapping[str, DetailValue] | None) -> dict[str, DetailValue]:
    cleaned: dict[str, DetailValue] = {}
    for key, value in (detail or {}).items():
        if isinstance(value, str) and _ID_LIKE.search(value):
            raise AuditLeakError(f"audit detail {key!r} contains an unmasked identity number")
        cleaned[str(key)] = value
    return cleaned


def _row_digest(event: AuditEvent) -> str:
    payload = json.dumps(
        [
            event.prev_hash,
            event.at.isoformat(),
            event.actor_id,
            event.actor_name,
            event.ip,
            event.action,
            event.object_type,
            event.object_id,
            event.outcome,
            event.detail,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: Mapping[str, DetailValue] | None = None,
    outcome: str = "ok",
) -> AuditEvent:
    """Append one event to the chain (inside the caller's transaction, if any)."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            at=timezone.now(),
            actor=actor,
            actor_name=actor.username if actor else "",
            ip=client_ip(request),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            outcome=outcome,
            detail=_clean_detail(detail),
            prev_hash=last or GENESIS,
        )
        event.hash = _row_digest(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    first_bad_id: int | None
    reason: str


# 网络安全法 Art. 21: logs are kept online for at least six months.
MIN_RETENTION_DAYS = 183


def audit_prune(*, older_than_days: int, actor: User | None = None) -> int:
    """Delete audit rows older than the retention period; returns how many.

    The chain then starts at the first kept row. An ``audit.prune`` event appended to the
    chain records that row's id and predecessor hash, so `audit_verify` can still prove
    that nothing after it was changed.
    """
    if older_than_days < MIN_RETENTION_DAYS:
        raise ValueError(f"audit rows must be kept at least {MIN_RETENTION_DAYS} days")
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    with transaction.atomic():
        first_kept = AuditEvent.objects.filter(at__gte=cutoff).order_by("id").first()
        if first_kept is None:
            return 0
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO renkou_audit_maintenance (reason) VALUES ('retention')")
            cursor.execute("DELETE FROM core_auditevent WHERE id < %s", [first_kept.id])
            deleted = int(cursor.rowcount)
            cursor.execute("DELETE FROM renkou_audit_maintenance WHERE reason = 'retention'")
        audit_record(
            action="audit.prune",
            actor=actor,
            detail={
                "deleted": deleted,
                "first_kept_id": first_kept.id,
                "first_kept_prev": first_kept.prev_hash,
            },
        )
    return deleted


def _chain_start(first: AuditEvent, using: str) -> str | None:
    """The predecessor hash the first remaining row may carry (None: unexplained gap)."""
    if first.prev_hash == GENESIS:
        return GENESIS
    prunes = AuditEvent.objects.using(using).filter(action="audit.prune", id__gt=first.id)
    for prune in prunes:
        if prune.detail.get("first_kept_id") == first.id:
            return str(prune.detail.get("first_kept_prev"))
    return None


def audit_verify(*, batch: int = 5000, using: str = "default") -> ChainReport:
    """Recompute the whole chain (of the database `using`, e.g. a restored backup);
    report the first row that does not fit."""
    events = AuditEvent.objects.using(using)
    first = events.order_by("id").first()
    if first is None:
        return ChainReport(True, 0, None, "")
    start = _chain_start(first, using)
    if start is None:
        return ChainReport(
            False, 0, first.id, "chain does not start at genesis or a recorded prune"
        )
    expected_prev = start
    rows = 0
    last_id = 0
    while True:
        chunk = list(events.filter(id__gt=last_id).order_by("id")[:batch])
        if not chunk:
            return ChainReport(True, rows, None, "")
        for event in chunk:
            if event.prev_hash != expected_prev:
                return ChainReport(False, rows, event.id, "prev_hash does not match")
            if _row_digest(event) != event.hash:
                return ChainReport(False, rows, event.id, "row content does not match its hash")
            expected_prev = event.hash
            rows += 1
            last_id = event.id
