"""How the register stores identity numbers and phones: encrypted, indexed, masked."""

from __future__ import annotations

from dataclasses import dataclass

from renkou.core import crypto
from renkou.core.masking import mask_id_number, mask_phone
from renkou.linkage import idnumber

ID_CONTEXT = b"person.id_number"
PHONE_CONTEXT = b"person.phone"
ID_PURPOSE = "id_number"


@dataclass(frozen=True)
class StoredId:
    cipher: bytes
    index: str
    masked: str
    kind: str
    warning: str


def id_index(normalized: str) -> str:
    """The blind index used for exact lookups (search, duplicates, linkage)."""
    return crypto.blind_index(normalized, purpose=ID_PURPOSE)


def id_store(info: idnumber.IdInfo) -> StoredId:
    number = info.normalized
    return StoredId(
        cipher=crypto.encrypt(number, context=ID_CONTEXT),
        index=id_index(number),
        masked=mask_id_number(number),
        kind=info.kind,
        warning="；".join(info.warnings),
    )


def id_reveal(cipher: bytes | memoryview | None) -> str:
    if cipher is None:
        return ""
    return crypto.decrypt(cipher, context=ID_CONTEXT)


def phone_store(phone: str) -> tuple[bytes | None, str]:
    phone = phone.strip()
    if not phone:
        return None, ""
    return crypto.encrypt(phone, context=PHONE_CONTEXT), mask_phone(phone)


def phone_reveal(cipher: bytes | memoryview | None) -> str:
    if cipher is None:
        return ""
    return crypto.decrypt(cipher, context=PHONE_CONTEXT)


def lookup_index(raw: str) -> str | None:
    """Blind index of a typed-in number (normalised, 15 digits upgraded), or None if unusable."""
    try:
        info = idnumber.parse(raw)
    except idnumber.IdNumberError:
        return None
    return id_index(info.normalized)
