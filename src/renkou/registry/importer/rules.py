"""The management-place rule (管理地): which of our units manages an imported person."""

from __future__ import annotations

from renkou.core.models import OrgUnit


def _village_code(unit: OrgUnit) -> str:
    # A village group (14 digits) belongs to the village of its first 12 digits.
    return unit.code[:12]


def managing_unit(*, hukou: OrgUnit | None, residence: OrgUnit | None) -> OrgUnit | None:
    """Hukou place if the person lives there; else the residence if ours; else the hukou.

    DOMAIN.md §3: the hukou village manages a person who lives in it; someone living in
    another of our villages is managed where they live; someone living outside the
    county stays with the hukou village. None when neither place is ours.
    """
    if hukou is not None and (
        residence is None or _village_code(residence) == _village_code(hukou)
    ):
        return hukou
    if residence is not None:
        return residence
    return hukou
