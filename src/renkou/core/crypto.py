"""Field encryption (AES-256-GCM) and the keyed blind index for sensitive values.

Keys come from settings (the environment), never from the database. A ciphertext is
``kid (1 byte) | nonce (12) | ciphertext+tag``; several keys may be configured so that
old rows stay readable while ``renkou rotate_keys`` re-encrypts them with the first.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_NONCE = 12


@cache
def _keyring(spec: str) -> tuple[int, dict[int, AESGCM]]:
    ring: dict[int, AESGCM] = {}
    current = -1
    for part in spec.split(","):
        kid_text, _, key_text = part.strip().partition(":")
        try:
            kid = int(kid_text)
            key = base64.b64decode(key_text, validate=True)
        except ValueError as exc:
            raise ImproperlyConfigured("RENKOU_DATA_KEYS must look like '1:<base64>,…'") from exc
        if not 0 < kid < 256 or len(key) != 32:
            raise ImproperlyConfigured("each data key needs an id 1–255 and 32 bytes")
        ring[kid] = AESGCM(key)
        if current < 0:
            current = kid
    return current, ring


@cache
def _index_key(spec: str) -> bytes:
    key = base64.b64decode(spec, validate=True)
    if len(key) < 32:
        raise ImproperlyConfigured("RENKOU_INDEX_KEY must be at least 32 bytes")
    return key


def encrypt_bytes(plain: bytes, *, context: bytes) -> bytes:
    """Encrypt bytes (a file's content); `context` is bound as associated data."""
    current, ring = _keyring(settings.RENKOU_DATA_KEYS)
    nonce = os.urandom(_NONCE)
    return bytes([current]) + nonce + ring[current].encrypt(nonce, plain, context)


def decrypt_bytes(blob: bytes | memoryview, *, context: bytes) -> bytes:
    data = bytes(blob)
    _, ring = _keyring(settings.RENKOU_DATA_KEYS)
    aead = ring.get(data[0])
    if aead is None:
        raise ImproperlyConfigured(f"no data key with id {data[0]} is configured")
    return aead.decrypt(data[1 : 1 + _NONCE], data[1 + _NONCE :], context)


def encrypt(plaintext: str, *, context: bytes) -> bytes:
    """Encrypt text; `context` (e.g. b"person.id") is bound as associated data."""
    return encrypt_bytes(plaintext.encode("utf-8"), context=context)


def decrypt(blob: bytes | memoryview, *, context: bytes) -> str:
    return decrypt_bytes(blob, context=context).decode("utf-8")


def key_id_of(blob: bytes | memoryview) -> int:
    return bytes(blob[:1])[0]


def current_key_id() -> int:
    return _keyring(settings.RENKOU_DATA_KEYS)[0]


@cache
def _hmac_states(spec: str, purpose: str) -> tuple[Any, Any]:
    """HMAC-SHA256 (RFC 2104) under the index key, split into its two SHA-256 states —
    the inner one having absorbed the key pad and ``purpose + NUL``, the outer one the
    key pad — so that a value costs two copies and two short updates. ``hmac.HMAC.copy``
    does the same in Python code at several times the cost (tests compare with ``hmac``)."""
    key = _index_key(spec)
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\x00")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    inner.update(purpose.encode() + b"\x00")
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


_SHA256_BLOCK = 64


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SHA256 of a normalised value: equal inputs match, nothing is revealed."""
    return blind_index_many([value], purpose=purpose)[0]


def encrypt_many(plaintexts: Sequence[str], *, context: bytes) -> list[bytes]:
    """``[encrypt(p, context=context) for p in plaintexts]`` for an import's column: the
    key looked up once and the nonces drawn in one call (each still fresh and random).

    Measured per 10^5 values: 0.40 s one by one, 0.27 s here; AES-GCM itself is the rest."""
    current, ring = _keyring(settings.RENKOU_DATA_KEYS)
    seal = ring[current].encrypt
    kid = bytes([current])
    nonces = os.urandom(_NONCE * len(plaintexts))
    out = []
    for i, plain in enumerate(plaintexts):
        nonce = nonces[i * _NONCE : (i + 1) * _NONCE]
        out.append(kid + nonce + seal(nonce, plain.encode("utf-8"), context))
    return out


def blind_index_many(values: Sequence[str], *, purpose: str) -> list[str]:
    """``[blind_index(v, purpose=purpose) for v in values]`` with the keyed states
    prepared once (:func:`_hmac_states`)."""
    inner, outer = _hmac_states(settings.RENKOU_INDEX_KEY, purpose)
    inner_copy, outer_copy = inner.copy, outer.copy
    out = []
    for value in values:
        mac = inner_copy()
        mac.update(value.encode("utf-8"))
        final = outer_copy()
        final.update(mac.digest())
        out.append(final.hexdigest())
    return out


def row_digest(text: str, *, purpose: str) -> str:
    """The keyed digest of an imported row's content (idempotent re-imports compare it).

    A plain SHA-256 of a row holding an identity number could be reversed by hashing
    the candidates (a county's numbers are few); this is the HMAC of that SHA-256, so a
    store of plain digests converts to keyed ones exactly (``keyed_row_digest``)."""
    return row_digest_many([text], purpose=purpose)[0]


def row_digest_many(texts: Iterable[str], *, purpose: str) -> list[str]:
    """``[row_digest(t, purpose=purpose) for t in texts]``, the keyed states prepared once
    (an import digests two texts a row: its content and its natural key)."""
    sha256 = hashlib.sha256
    return blind_index_many(
        [sha256(text.encode("utf-8")).hexdigest() for text in texts], purpose=purpose
    )


def keyed_row_digest(plain_hex: str, *, purpose: str) -> str:
    """``row_digest`` from the plain SHA-256 hex of the row (the data migrations' step)."""
    return blind_index(plain_hex, purpose=purpose)
