"""The sealed model field (renkou.core.sealed) on its own: values in and out of a blob."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from renkou.core import crypto, keyrotation
from renkou.core.sealed import (
    SealedBooleanField,
    SealedCharField,
    SealedDateField,
    SealedField,
    SealedJSONField,
    SealedTextField,
    SealedValueError,
    contexts_are_unique,
)

CHOICES = [("general", "一般"), ("high", "高风险")]


def _fields() -> list[tuple[SealedField[Any, Any], list[object]]]:
    return [
        (SealedCharField(max_length=20, blank=True, context=b"t.char"), ["", "阴性", "x" * 20]),
        (SealedCharField(max_length=10, choices=CHOICES, context=b"t.choice"), ["high", ""]),
        (SealedTextField(blank=True, context=b"t.text"), ["", "孕前3个月起补充叶酸。\n第二行"]),
        (SealedDateField(null=True, context=b"t.date"), [dt.date(2025, 3, 14), None]),
        (SealedBooleanField(null=True, context=b"t.bool"), [True, False, None]),
        (SealedBooleanField(context=b"t.bool2"), [True, False]),
        (SealedJSONField(default=list, context=b"t.json"), [[], ["infection", "genetic"], None]),
    ]


@pytest.mark.parametrize(("field", "values"), _fields())
def test_every_kind_of_value_comes_back_as_it_went_in(
    field: SealedField[Any, Any], values: list[object]
) -> None:
    for value in values:
        blob = field.seal(value)
        assert isinstance(blob, bytes)
        assert crypto.key_id_of(blob) == crypto.current_key_id()
        assert field.unseal(blob) == value
        assert type(field.unseal(blob)) is type(value)


def test_natural_input_is_normalised_like_the_plain_field_would() -> None:
    date = SealedDateField(null=True, context=b"t.date")
    assert date.unseal(date.seal("2025-03-14")) == dt.date(2025, 3, 14)
    boolean = SealedBooleanField(null=True, context=b"t.bool")
    assert boolean.unseal(boolean.seal("0")) is False


def test_equal_values_never_give_equal_blobs_nor_show_their_length() -> None:
    field = SealedCharField(max_length=20, blank=True, context=b"t.char")
    assert field.seal("condom") != field.seal("condom")
    # Everything up to 30 bytes is one block of padding: "", a code, a date, None.
    lengths = {len(field.seal(v)) for v in ("", "B", "condom", "implant_insert", None)}
    assert len(lengths) == 1
    assert b"implant_insert" not in field.seal("implant_insert")


def test_a_blob_from_another_column_does_not_open() -> None:
    lmp = SealedDateField(null=True, context=b"programmes.NfpcpCheck.lmp")
    outcome_date = SealedDateField(null=True, context=b"programmes.NfpcpCheck.outcome_date")
    blob = lmp.seal(dt.date(2025, 3, 14))
    with pytest.raises(SealedValueError, match="outcome_date"):
        outcome_date.unseal(blob)
    tampered = bytearray(blob)
    tampered[20] ^= 1
    with pytest.raises(SealedValueError):
        lmp.unseal(bytes(tampered))


def test_a_context_is_required_and_kept_in_migrations() -> None:
    with pytest.raises(TypeError, match="context"):
        SealedCharField(max_length=5)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="context"):
        SealedCharField(max_length=5, context=b"")
    field = SealedJSONField(default=list, pad_to=128, context=b"t.json")
    _name, path, _args, kwargs = field.deconstruct()
    assert path == "renkou.core.sealed.SealedJSONField"
    assert kwargs["context"] == b"t.json"
    assert kwargs["pad_to"] == 128
    assert SealedJSONField(**kwargs).context == b"t.json"


def test_choices_longer_than_the_padding_are_a_system_check_error() -> None:
    fine = SealedCharField(max_length=20, choices=CHOICES, context=b"t.fine")
    long = SealedCharField(max_length=40, choices=[("a", "A"), ("b" * 40, "B")], context=b"t.long")
    for name, field in (("fine", fine), ("long", long)):
        field.set_attributes_from_name(name)
    assert fine.check() == []
    assert [e.id for e in long.check()] == ["renkou.E010"]


def test_no_two_columns_share_a_context(monkeypatch: pytest.MonkeyPatch) -> None:
    assert contexts_are_unique(None) == []
    clash = keyrotation.EncryptedField("registry.Person", "address", b"programmes.NfpcpCheck.lmp")
    monkeypatch.setattr(keyrotation, "_FIELDS", [*keyrotation.registered_fields(), clash])
    errors = contexts_are_unique(None)
    assert [e.id for e in errors] == ["renkou.E011"]
    assert "registry.Person.address" in errors[0].msg
