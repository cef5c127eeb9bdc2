"""Which village a feed row's address names: a 12-digit code or "镇名村名" in the text."""

from __future__ import annotations

import re
from typing import Final

from renkou.core.models import OrgUnit

__all__ = ["Places"]

_CODE: Final = re.compile(r"(?<!\d)(\d{12})")


class Places:
    """Village lookup by code or by "镇名村名" in an address; the county root as fallback."""

    def __init__(self) -> None:
        villages = OrgUnit.objects.filter(level=OrgUnit.Level.VILLAGE).select_related("parent")
        self.by_code = {v.code[:12]: v for v in villages}
        self.by_label = {(v.parent.name if v.parent else "") + v.name: v for v in villages}
        root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
        if root is None:
            raise OrgUnit.DoesNotExist("no org unit tree")
        self.root = root

    def village_in(self, *texts: str) -> OrgUnit | None:
        """The first village the texts name (by code, then by label), else None."""
        text = "".join("".join(texts).split())
        for code in _CODE.findall(text):
            if code in self.by_code:
                return self.by_code[code]
        for label, village in self.by_label.items():
            if label and label in text:
                return village
        return None
