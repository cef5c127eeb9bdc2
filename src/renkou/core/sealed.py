"""Sealed model fields: a column encrypted at rest whose Python value keeps its type.

``SealedCharField(_("妊娠结局"), context=b"programmes.NfpcpCheck.outcome_type", …)`` is a
``CharField`` to everything above the database — choices, ``get_FOO_display()``, model
and form validation, ``ModelForm`` (a select, a date input, …) — but its column holds an
AES-256-GCM blob from :mod:`renkou.core.crypto`, sealed on every write and opened as rows
are read. ``context`` (the column's own name, kept explicit so that renaming a field never
orphans its values) is the associated data: a blob copied into another column does not
open. Every sealed column is found by :func:`sealed_fields` and re-encrypted by
``renkou rotate_keys`` like the identity-number columns.

What is sealed is the whole value, ``None`` included, padded to a multiple of ``pad_to``
bytes: the raw column never shows which rows are empty, and every value that fits (a
choice code, a date, a yes/no) has the same length. The price: the database cannot
compare these values, so no lookup works on them — ``filter(method="oral")`` raises
``FieldError`` instead of silently matching nothing. Counting and grouping happen in
Python over rows already narrowed by clear columns (scope, dates, status). Ordering or
grouping by a sealed column is meaningless; nothing may do it. See ADR 0009.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.core import checks
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from renkou.core import crypto

_ABSENT, _PRESENT, _END = b"\x00", b"\x01", b"\x80"

# The field classes are generic in django-stubs (set type, get type), so that a model's
# `lmp` reads as `date | None`; at run time Django's classes are not subscriptable, so
# the bases are given a Generic twin there.
_ST_contra = TypeVar("_ST_contra", contravariant=True)
_GT_co = TypeVar("_GT_co", covariant=True)
if TYPE_CHECKING:
    from django.db.models import BooleanField as _BooleanBase
    from django.db.models import CharField as _CharBase
    from django.db.models import DateField as _DateBase
    from django.db.models import Field as _FieldBase
    from django.db.models import JSONField as _JSONBase
    from django.db.models import TextField as _TextBase
else:

    class _FieldBase(models.Field, Generic[_ST_contra, _GT_co]): ...

    class _CharBase(models.CharField, Generic[_ST_contra, _GT_co]): ...

    class _TextBase(models.TextField, Generic[_ST_contra, _GT_co]): ...

    class _DateBase(models.DateField, Generic[_ST_contra, _GT_co]): ...

    class _BooleanBase(models.BooleanField, Generic[_ST_contra, _GT_co]): ...

    class _JSONBase(models.JSONField, Generic[_ST_contra, _GT_co]): ...


class SealedValueError(ValueError):
    """A stored value that does not open under its column's context (moved from another
    column, tampered with, or sealed under a key that is no longer configured)."""


def _pad(payload: bytes, pad_to: int) -> bytes:
    """`payload`, an end marker and zeros up to a multiple of `pad_to` bytes."""
    framed = payload + _END
    return framed + b"\x00" * (-len(framed) % pad_to)


def _unpad(padded: bytes) -> bytes:
    framed = padded.rstrip(b"\x00")
    if not framed.endswith(_END):
        raise SealedValueError("sealed value has no end marker")
    return framed[:-1]


class SealedField(_FieldBase[_ST_contra, _GT_co]):
    """The sealing half of every sealed field; combined with a natural field class."""

    # Neither changes the column: a migration that alters them changes no schema.
    non_db_attrs = (*models.Field.non_db_attrs, "context", "pad_to")

    def __init__(self, *args: Any, context: bytes, pad_to: int = 32, **kwargs: Any) -> None:
        if not isinstance(context, bytes) or not context:
            raise ValueError("a sealed field needs its context, e.g. b'app.Model.field'")
        if not 16 <= pad_to <= 4096:
            raise ValueError("pad_to must be between 16 and 4096 bytes")
        self.context, self.pad_to = context, pad_to
        super().__init__(*args, **kwargs)

    # -- the natural value <-> bytes; each concrete class defines these two -----------
    def encode(self, value: Any) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:
        raise NotImplementedError

    # -- the column --------------------------------------------------------------------
    def get_internal_type(self) -> str:
        return "BinaryField"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        if self.pad_to != 32:
            kwargs["pad_to"] = self.pad_to
        return name, path, args, kwargs

    def seal(self, value: Any) -> bytes:
        """The blob stored for a natural value (normalised by the natural field first)."""
        natural = super().get_prep_value(value)
        payload = _ABSENT if natural is None else _PRESENT + self.encode(natural)
        return crypto.encrypt_bytes(_pad(payload, self.pad_to), context=self.context)

    def unseal(self, blob: bytes | memoryview) -> Any:
        try:
            payload = _unpad(crypto.decrypt_bytes(blob, context=self.context))
        except InvalidTag as exc:
            raise SealedValueError(
                f"{self.context.decode()}: the stored value does not open with this "
                "column's context and the configured keys"
            ) from exc
        return None if payload[:1] == _ABSENT else self.decode(payload[1:])

    def get_prep_value(self, value: Any) -> Any:
        return self.seal(value)

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        return connection.Database.Binary(value)  # type: ignore[attr-defined]

    def get_db_prep_save(self, value: Any, connection: BaseDatabaseWrapper) -> Any:
        if hasattr(value, "as_sql"):  # an expression (e.g. a migration's copy)
            return value
        return self.get_db_prep_value(value, connection=connection, prepared=False)

    def get_placeholder(self, value: Any, compiler: Any, connection: BaseDatabaseWrapper) -> Any:
        return connection.ops.binary_placeholder_sql(value)

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None:
            return None
        return self.unseal(value)

    # -- no comparison in SQL: ciphertexts of equal values differ ----------------------
    def get_lookup(self, lookup_name: str) -> Any:
        return None

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        longest = max((len(self.encode(v)) for v, _label in self.flatchoices), default=0)
        if self.choices and longest + 2 > self.pad_to:
            errors.append(
                checks.Error(
                    "pad_to is too short to hide which choice is stored",
                    hint=f"use pad_to ≥ {longest + 2}",
                    obj=self,
                    id="renkou.E010",
                )
            )
        return errors


class SealedCharField(SealedField[_ST_contra, _GT_co], _CharBase[_ST_contra, _GT_co]):
    def encode(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def decode(self, data: bytes) -> Any:
        return data.decode("utf-8")


class SealedTextField(SealedField[_ST_contra, _GT_co], _TextBase[_ST_contra, _GT_co]):
    def encode(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def decode(self, data: bytes) -> Any:
        return data.decode("utf-8")


class SealedDateField(SealedField[_ST_contra, _GT_co], _DateBase[_ST_contra, _GT_co]):
    def encode(self, value: Any) -> bytes:
        return value.isoformat().encode("ascii")  # type: ignore[no-any-return]

    def decode(self, data: bytes) -> Any:
        return dt.date.fromisoformat(data.decode("ascii"))

    def contribute_to_class(  # type: ignore[override]  # Field's and DateField's stubs differ
        self, cls: type[models.Model], name: str, **kwargs: Any
    ) -> None:
        # Skip DateField's get_next_by_FOO: it would order by ciphertext.
        models.Field.contribute_to_class(self, cls, name, **kwargs)


class SealedBooleanField(SealedField[_ST_contra, _GT_co], _BooleanBase[_ST_contra, _GT_co]):
    def encode(self, value: Any) -> bytes:
        return b"1" if value else b"0"

    def decode(self, data: bytes) -> Any:
        return data == b"1"


class SealedJSONField(SealedField[_ST_contra, _GT_co], _JSONBase[_ST_contra, _GT_co]):
    def encode(self, value: Any) -> bytes:
        text = json.dumps(value, cls=self.encoder, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8")

    def decode(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"), cls=self.decoder)


def sealed_fields() -> Iterator[tuple[type[models.Model], SealedField[Any, Any]]]:
    """Every sealed column of every installed model (for key rotation and checks)."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, SealedField):
                yield model, field


@checks.register(checks.Tags.models)
def contexts_are_unique(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Two columns sharing a context could swap values unnoticed."""
    from renkou.core.keyrotation import registered_fields

    seen = {e.context: f"{e.model}.{e.field}" for e in registered_fields()}
    errors: list[checks.CheckMessage] = []
    for model, field in sealed_fields():
        where = f"{model._meta.label}.{field.name}"
        if field.context in seen:
            errors.append(
                checks.Error(
                    f"{where} shares its sealing context with {seen[field.context]}",
                    obj=field,
                    id="renkou.E011",
                )
            )
        seen.setdefault(field.context, where)
    return errors
