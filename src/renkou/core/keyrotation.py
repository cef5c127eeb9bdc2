"""Re-encrypting stored values with the current data key (key rotation).

Apps declare their encrypted columns with `register_encrypted_field` (in their
AppConfig.ready); `rotate_keys` rewrites every value sealed with an older key. Old keys
stay configured until the command reports nothing left to rotate.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import transaction

from renkou.core import crypto
from renkou.core.audit import audit_record


@dataclass(frozen=True)
class EncryptedField:
    model: str  # "app_label.ModelName"
    field: str
    context: bytes


_FIELDS: list[EncryptedField] = []


def register_encrypted_field(model: str, field: str, context: bytes) -> None:
    """Declare a column of sealed values (text or a file's bytes: rotation is bytewise)."""
    entry = EncryptedField(model, field, context)
    if entry not in _FIELDS:
        _FIELDS.append(entry)


def encrypted_fields() -> list[EncryptedField]:
    return list(_FIELDS)


def _rotate_one(entry: EncryptedField, batch: int) -> int:
    model = apps.get_model(entry.model)
    current = crypto.current_key_id()
    rotated, last_pk = 0, 0
    while True:
        rows = list(
            model.objects.filter(pk__gt=last_pk, **{f"{entry.field}__isnull": False})
            .order_by("pk")
            .values_list("pk", entry.field)[:batch]
        )
        if not rows:
            return rotated
        last_pk = rows[-1][0]
        stale = [(pk, blob) for pk, blob in rows if crypto.key_id_of(blob) != current]
        with transaction.atomic():
            for pk, blob in stale:
                plain = crypto.decrypt_bytes(blob, context=entry.context)
                sealed = crypto.encrypt_bytes(plain, context=entry.context)
                model.objects.filter(pk=pk).update(**{entry.field: sealed})
        rotated += len(stale)


def rotate_keys(*, batch: int = 2000) -> dict[str, int]:
    """Re-encrypt every registered column's stale values; returns counts per column."""
    counts = {f"{e.model}.{e.field}": _rotate_one(e, batch) for e in encrypted_fields()}
    audit_record(action="keys.rotate", detail=dict(counts))
    return counts
