"""Masks for identity numbers and phones, as every list, export and print shows them."""

from __future__ import annotations

from renkou.linkage.idnumber import mask as mask_id_number

__all__ = ["mask_id_number", "mask_phone"]


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``; short numbers keep only their last two digits."""
    digits = phone.strip()
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)
