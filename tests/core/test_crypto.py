from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag
from django.test import override_settings

from renkou.core import crypto
from renkou.core.masking import mask_phone


def test_roundtrip_and_context_binding() -> None:
    blob = crypto.encrypt("37040419850314123X", context=b"person.id_number")
    assert b"37040419850314123X" not in blob
    assert crypto.decrypt(blob, context=b"person.id_number") == "37040419850314123X"
    with pytest.raises(InvalidTag):
        crypto.decrypt(blob, context=b"person.phone")


def test_tampering_is_detected() -> None:
    blob = bytearray(crypto.encrypt("13812345678", context=b"c"))
    blob[-1] ^= 1
    with pytest.raises(InvalidTag):
        crypto.decrypt(bytes(blob), context=b"c")


def test_rotation_keeps_old_rows_readable() -> None:
    old = crypto.encrypt("x", context=b"c")
    new_key = base64.b64encode(b"n" * 32).decode()
    with override_settings(
        RENKOU_DATA_KEYS=f"2:{new_key},1:{base64.b64encode(b't' * 32).decode()}"
    ):
        assert crypto.decrypt(old, context=b"c") == "x"
        fresh = crypto.encrypt("y", context=b"c")
        assert crypto.key_id_of(fresh) == 2


def test_blind_index_is_keyed_and_stable() -> None:
    a = crypto.blind_index("37040419850314123X", purpose="id_number")
    assert a == crypto.blind_index("37040419850314123X", purpose="id_number")
    assert a != crypto.blind_index("37040419850314123X", purpose="phone")
    with override_settings(RENKOU_INDEX_KEY=base64.b64encode(b"k" * 32).decode()):
        assert a != crypto.blind_index("37040419850314123X", purpose="id_number")


def test_phone_mask() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert "1234" not in mask_phone("12345")


@pytest.mark.parametrize(
    "key", [b"k" * 32, b"a much longer index key than one block of SHA-256" * 2]
)
def test_the_batched_digests_are_rfc_2104_hmac(key: bytes) -> None:
    import hashlib
    import hmac

    values = ["", "37040419850314123X", "张\x1f三", "x" * 200]
    with override_settings(RENKOU_INDEX_KEY=base64.b64encode(key).decode()):
        expected = [
            hmac.new(key, b"id_number\x00" + v.encode(), hashlib.sha256).hexdigest() for v in values
        ]
        assert crypto.blind_index_many(values, purpose="id_number") == expected
        assert [crypto.blind_index(v, purpose="id_number") for v in values] == expected
        plain = [hashlib.sha256(v.encode()).hexdigest() for v in values]
        rows = [hmac.new(key, b"row\x00" + p.encode(), hashlib.sha256).hexdigest() for p in plain]
        assert crypto.row_digest_many(iter(values), purpose="row") == rows
        assert [crypto.row_digest(v, purpose="row") for v in values] == rows
