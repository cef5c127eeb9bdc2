"""Re-encrypting stored values with the current data key (key rotation).

Apps declare their hand-encrypted columns with `register_encrypted_field` (in their
AppConfig.ready); sealed model fields (`renkou.core.sealed`) are found on their own.
`rotate_keys` rewrites every value sealed with an older key, reading and writing the
column's raw bytes, so it works the same for both kinds. Old keys stay configured until
the command reports nothing left to rotate.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

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


def registered_fields() -> list[EncryptedField]:
    """The columns declared by hand (not the sealed model fields)."""
    return list(_FIELDS)


def encrypted_fields() -> list[EncryptedField]:
    """Every encrypted column: the declared ones, then every sealed model field."""
    from renkou.core.sealed import sealed_fields

    found = list(_FIELDS)
    for model, field in sealed_fields():
        entry = EncryptedField(model._meta.label, field.name, field.context)
        if entry not in found:
            found.append(entry)
    return found


def _rotate_one(entry: EncryptedField, batch: int) -> int:
    """Raw SQL on the column: a sealed field would hand the ORM its opened value."""
    model = apps.get_model(entry.model)
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    column = quote(model._meta.get_field(entry.field).column)
    # Names come from our own models, values are parameters.
    select = (
        f"SELECT {pk}, {column} FROM {table} WHERE {pk} > %s AND {column} IS NOT NULL "  # noqa: S608
        f"ORDER BY {pk} LIMIT %s"
    )
    # Only if the row still holds what was read: a value written meanwhile (always under
    # the current key) is left alone.
    update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s"  # noqa: S608
    current = crypto.current_key_id()
    rotated, last_pk = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(select, [last_pk, batch])
            rows = [(pk_value, bytes(blob)) for pk_value, blob in cursor.fetchall()]
        if not rows:
            return rotated
        last_pk = rows[-1][0]
        stale = [(pk_value, blob) for pk_value, blob in rows if crypto.key_id_of(blob) != current]
        with transaction.atomic(), connection.cursor() as cursor:
            for pk_value, blob in stale:
                plain = crypto.decrypt_bytes(blob, context=entry.context)
                sealed = crypto.encrypt_bytes(plain, context=entry.context)
                cursor.execute(update, [sealed, pk_value, blob])
                rotated += cursor.rowcount


def rotate_keys(*, batch: int = 2000) -> dict[str, int]:
    """Re-encrypt every registered column's stale values; returns counts per column."""
    counts = {f"{e.model}.{e.field}": _rotate_one(e, batch) for e in encrypted_fields()}
    audit_record(action="keys.rotate", detail=dict(counts))
    return counts
